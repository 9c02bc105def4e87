import { randomUUID } from 'node:crypto';
import type {
  AlertDelivery,
  AlertHistoryEntry,
  AlertHistoryQuery,
  AlertRule,
  AlertRuleKind,
  AlertRuleStatus,
  FiringAlertSeries,
  WorkspaceScope,
} from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, whereClause } from '../query/request-filter';
import type { AlertReading } from './alert-measurements';

const LEASE_NAME = 'alerts';
const DAY_MS = 86_400_000;
export const DEFAULT_HISTORY_LIMIT = 100;

/**
 * Takes or renews the evaluation lease for `holder` until `now + leaseMs`:
 * true when `holder` has it. Inside the evaluation's transaction, the row
 * lock also keeps a second replica waiting until the first has committed.
 */
export async function acquireLease(executor: SqlExecutor, holder: string, now: Date, leaseMs: number): Promise<boolean> {
  const rows = await executor.query(
    `INSERT INTO alert_lease (name, holder, expires_at) VALUES ($1, $2, $3::timestamptz)
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
     WHERE alert_lease.holder = EXCLUDED.holder OR alert_lease.expires_at <= $4::timestamptz
     RETURNING holder`,
    [LEASE_NAME, holder, new Date(now.getTime() + leaseMs).toISOString(), now.toISOString()],
  );
  return rows.length === 1;
}

/** Gives the lease up, so another replica takes over at once. */
export async function releaseLease(executor: SqlExecutor, holder: string): Promise<void> {
  await executor.query('DELETE FROM alert_lease WHERE name = $1 AND holder = $2', [LEASE_NAME, holder]);
}

/** Stores the configured rules (with their defaults applied); rules gone from the config go, with their state. */
export async function syncRules(executor: SqlExecutor, rules: readonly AlertRule[], defaultIntervalMs: number): Promise<void> {
  const names = rules.map((rule) => rule.name);
  await executor.query('DELETE FROM alert_states WHERE NOT (rule = ANY($1::text[]))', [names]);
  await executor.query('DELETE FROM alert_rules WHERE NOT (name = ANY($1::text[]))', [names]);
  for (const rule of rules) {
    const definition = { ...rule, evaluationIntervalMs: rule.evaluationIntervalMs ?? defaultIntervalMs };
    await executor.query(
      `INSERT INTO alert_rules (name, kind, workspace, definition) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, workspace = EXCLUDED.workspace, definition = EXCLUDED.definition`,
      [rule.name, rule.kind, rule.workspace ?? '', JSON.stringify(definition)],
    );
  }
}

/**
 * Applies one evaluation of `rule`: a series that starts firing is stored
 * and gets a `firing` entry, one that stops gets a `resolved` entry, one
 * that keeps firing only updates its value. Returns the new entries: each
 * firing and each recovery once, whoever evaluates.
 */
export async function applyReadings(
  executor: SqlExecutor,
  rule: AlertRule,
  readings: readonly AlertReading[],
  now: Date,
): Promise<AlertHistoryEntry[]> {
  const previous = await executor.query<{ series: string }>('SELECT series FROM alert_states WHERE rule = $1', [rule.name]);
  const wasFiring = new Set(previous.map((row) => row.series));
  const entries: AlertHistoryEntry[] = [];
  const firingNow = new Set<string>();
  for (const reading of readings) {
    if (!reading.firing) continue;
    firingNow.add(reading.series);
    if (wasFiring.has(reading.series)) {
      await executor.query('UPDATE alert_states SET value = $3 WHERE rule = $1 AND series = $2', [rule.name, reading.series, reading.value]);
      continue;
    }
    await executor.query('INSERT INTO alert_states (rule, series, workspace, value, since) VALUES ($1, $2, $3, $4, $5::timestamptz)', [
      rule.name,
      reading.series,
      reading.workspace,
      reading.value,
      now.toISOString(),
    ]);
    entries.push(await insertEntry(executor, rule, reading, 'firing', now));
  }
  const values = new Map(readings.map((reading) => [reading.series, reading]));
  for (const series of wasFiring) {
    if (firingNow.has(series)) continue;
    await executor.query('DELETE FROM alert_states WHERE rule = $1 AND series = $2', [rule.name, series]);
    const reading = values.get(series);
    const workspace = reading?.workspace ?? seriesWorkspace(rule, series);
    entries.push(await insertEntry(executor, rule, { series, workspace, value: reading?.value ?? 0, firing: false }, 'resolved', now));
  }
  await executor.query('UPDATE alert_rules SET evaluated_at = $2::timestamptz WHERE name = $1', [rule.name, now.toISOString()]);
  return entries;
}

/** A series gone from the readings (no traffic left in its window) belonged to the rule's workspace, or its budget's. */
function seriesWorkspace(rule: AlertRule, series: string): string {
  const budgetWorkspace = /^budget\d+:workspace:(.*)$/.exec(series)?.[1];
  return budgetWorkspace ?? rule.workspace ?? '';
}

async function insertEntry(
  executor: SqlExecutor,
  rule: AlertRule,
  reading: AlertReading,
  state: 'firing' | 'resolved',
  now: Date,
): Promise<AlertHistoryEntry> {
  const entry: AlertHistoryEntry = {
    id: `alert_${randomUUID()}`,
    rule: rule.name,
    kind: rule.kind,
    series: reading.series,
    workspace: reading.workspace,
    state,
    value: reading.value,
    threshold: rule.threshold,
    occurredAt: now,
    deliveries: {},
  };
  await executor.query(
    `INSERT INTO alert_history (id, occurred_at, rule, kind, series, workspace, state, value, threshold)
     VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9)`,
    [entry.id, now.toISOString(), entry.rule, entry.kind, entry.series, entry.workspace, state, entry.value, entry.threshold],
  );
  return entry;
}

/** Records how one channel was told of an entry. */
export async function recordDelivery(executor: SqlExecutor, entryId: string, channel: string, delivery: AlertDelivery): Promise<void> {
  await executor.query('UPDATE alert_history SET deliveries = deliveries || $2::jsonb WHERE id = $1', [
    entryId,
    JSON.stringify({ [channel]: delivery }),
  ]);
}

/** `workspace` kept within `scope`: a rule over every workspace ('') only with `all`. */
function scopeCondition(scope: WorkspaceScope, parameters: SqlParameters, column = 'workspace'): string[] {
  if (scope === 'all') return [];
  if (scope.length === 0) return ['false'];
  return [`${column} = ANY(${parameters.add([...scope])}::text[])`];
}

interface RuleRow {
  name: string;
  kind: AlertRuleKind;
  definition: (AlertRule & { evaluationIntervalMs: number }) | string;
  evaluated_at: Date | string | null;
}

/** The stored rules within `scope`, by name, with their series firing now (those `scope` may see). */
export async function listRuleStatuses(executor: SqlExecutor, scope: WorkspaceScope): Promise<AlertRuleStatus[]> {
  const parameters = new SqlParameters();
  const rules = await executor.query<RuleRow>(
    `SELECT name, kind, definition, evaluated_at FROM alert_rules ${whereClause(scopeCondition(scope, parameters))} ORDER BY name`,
    parameters.values,
  );
  const stateParameters = new SqlParameters();
  const states = await executor.query<{ rule: string; series: string; workspace: string; value: number; since: Date | string }>(
    `SELECT rule, series, workspace, value, since FROM alert_states ${whereClause(scopeCondition(scope, stateParameters))} ORDER BY rule, series`,
    stateParameters.values,
  );
  const firing = new Map<string, FiringAlertSeries[]>();
  for (const state of states) {
    const list = firing.get(state.rule) ?? [];
    list.push({ series: state.series, workspace: state.workspace, value: Number(state.value), since: new Date(state.since) });
    firing.set(state.rule, list);
  }
  return rules.map((row) => {
    const definition = (typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition) as AlertRule & {
      evaluationIntervalMs: number;
    };
    return {
      name: row.name,
      kind: row.kind,
      threshold: definition.threshold,
      windowMs: definition.windowMs,
      minRequests: definition.minRequests,
      workspace: definition.workspace ?? '',
      provider: definition.provider ?? '',
      model: definition.model ?? '',
      channels: definition.channels ?? [],
      evaluationIntervalMs: definition.evaluationIntervalMs,
      ...(row.evaluated_at !== null && { evaluatedAt: new Date(row.evaluated_at) }),
      firing: firing.get(row.name) ?? [],
    };
  });
}

interface HistoryRow {
  id: string;
  occurred_at: Date | string;
  rule: string;
  kind: AlertRuleKind;
  series: string;
  workspace: string;
  state: 'firing' | 'resolved';
  value: number;
  threshold: number;
  deliveries: Record<string, AlertDelivery> | string;
}

/** Firings and recoveries within `scope` and `from`..`to`, newest first. */
export async function listHistory(executor: SqlExecutor, query: AlertHistoryQuery, now: Date = new Date()): Promise<AlertHistoryEntry[]> {
  const to = query.to ?? now;
  const from = query.from ?? new Date(to.getTime() - DAY_MS);
  const parameters = new SqlParameters();
  const conditions = [
    `occurred_at >= ${parameters.add(from.toISOString())}::timestamptz`,
    `occurred_at < ${parameters.add(to.toISOString())}::timestamptz`,
    ...scopeCondition(query.scope, parameters),
  ];
  if (query.rule !== undefined) conditions.push(`rule = ${parameters.add(query.rule)}`);
  const rows = await executor.query<HistoryRow>(
    `SELECT id, occurred_at, rule, kind, series, workspace, state, value, threshold, deliveries
     FROM alert_history ${whereClause(conditions)}
     ORDER BY occurred_at DESC, id DESC LIMIT ${parameters.add(query.limit ?? DEFAULT_HISTORY_LIMIT)}`,
    parameters.values,
  );
  return rows.map((row) => ({
    id: row.id,
    rule: row.rule,
    kind: row.kind,
    series: row.series,
    workspace: row.workspace,
    state: row.state,
    value: Number(row.value),
    threshold: Number(row.threshold),
    occurredAt: new Date(row.occurred_at),
    deliveries: typeof row.deliveries === 'string' ? (JSON.parse(row.deliveries) as Record<string, AlertDelivery>) : row.deliveries,
  }));
}
