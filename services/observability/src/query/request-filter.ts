import { invalidRequest, requestStatuses, type RequestFilter, type WorkspaceScope } from '@switchyard/shared';

/** Collects a statement's parameters and hands out their placeholders (`$1`, `$2`, ...). */
export class SqlParameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The conditions on `requests` that a filter stands for, one per field
 * present. Throws `invalidRequest` for a time that is not one or a status
 * that does not exist.
 */
export function filterConditions(filter: RequestFilter, parameters: SqlParameters): string[] {
  const conditions: string[] = [];
  if (filter.from !== undefined) conditions.push(`occurred_at >= ${parameters.add(validTime(filter.from, 'from'))}::timestamptz`);
  if (filter.to !== undefined) conditions.push(`occurred_at < ${parameters.add(validTime(filter.to, 'to'))}::timestamptz`);
  if (filter.workspace !== undefined) conditions.push(`workspace = ${parameters.add(filter.workspace)}`);
  if (filter.model !== undefined) {
    const model = parameters.add(filter.model);
    conditions.push(`(requested_model = ${model} OR served_model = ${model})`);
  }
  if (filter.provider !== undefined) conditions.push(`provider = ${parameters.add(filter.provider)}`);
  if (filter.status !== undefined) {
    if (!requestStatuses.includes(filter.status)) {
      throw invalidRequest(`\`status\` must be one of ${requestStatuses.join(', ')}.`, 'status');
    }
    conditions.push(`status = ${parameters.add(filter.status)}`);
  }
  return conditions;
}

/**
 * The condition that keeps a query within the workspaces a caller may read:
 * none for `all` (or no scope), never true for an empty list.
 */
export function scopeConditions(scope: WorkspaceScope | undefined, parameters: SqlParameters): string[] {
  if (scope === undefined || scope === 'all') return [];
  if (scope.length === 0) return ['false'];
  return [`workspace = ANY(${parameters.add([...scope])}::text[])`];
}

/** `WHERE a AND b`, or nothing. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, the range of google.protobuf.Timestamp. */
const EARLIEST_MS = -62_135_596_800_000;
const LATEST_MS = 253_402_300_799_999;

function validTime(time: Date, field: 'from' | 'to'): string {
  const ms = time instanceof Date ? time.getTime() : Number.NaN;
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) {
    throw invalidRequest(`\`${field}\` must be a time between the years 1 and 9999.`, field);
  }
  return time.toISOString();
}
