import type { eventsV1 } from '@switchyard/proto';
import { invalidRequest, type ListRequestsQuery, type RequestPage, type RequestRecord, type WorkspaceScope } from '@switchyard/shared';
import { REQUEST_SELECT_LIST, microsText, requestFromRow, type RequestRow } from '../storage/event-rows';
import type { SqlExecutor } from '@switchyard/database';
import { decodeCursor, encodeCursor, type RequestCursor } from './request-cursor';
import { SqlParameters, filterConditions, scopeConditions, whereClause } from './request-filter';
import { requestsSource } from './requests-source';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/**
 * Past this many bytes of record text a page ends early (with a cursor), so
 * one page stays a few MB whatever the records hold; it also keeps a page
 * under gRPC's 4 MB message limit in distributed mode.
 */
export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
/** Rows read from the database at a time while a page fills. */
const FETCH_BATCH_ROWS = 100;

/**
 * Recorded requests matching the filter, newest first, one page at a time.
 * Pages are keyset pages over (occurred_at, event_id): rows written while a
 * client pages through never shift a page boundary, and requests with the
 * same time are neither skipped nor repeated. A page holds `limit` records,
 * or fewer once it passes `maxPageBytes` (always at least one).
 */
export async function listRequests(
  executor: SqlExecutor,
  query: ListRequestsQuery,
  maxPageBytes = MAX_PAGE_BYTES,
  cold: readonly eventsV1.RequestCompleted[] = [],
): Promise<RequestPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidRequest(`\`limit\` must be an integer from 1 to ${MAX_PAGE_SIZE}.`, 'limit');
  }
  let after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const page: RequestRow[] = [];
  let pageBytes = 0;
  // Read in batches, so rows past a full page are never fetched.
  for (;;) {
    // One row more than the page needs says whether there is a next page.
    const wanted = Math.min(limit + 1 - page.length, FETCH_BATCH_ROWS);
    const rows = await fetchRows(executor, query, after, wanted, cold);
    for (const row of rows) {
      const bytes = rowBytes(row);
      if (page.length === limit || (page.length > 0 && pageBytes + bytes > maxPageBytes)) return pageOf(page, true);
      page.push(row);
      pageBytes += bytes;
    }
    if (rows.length < wanted) return pageOf(page, false);
    const last = rows.at(-1)!;
    after = { occurredAtMicros: BigInt(last.occurred_at_micros), eventId: last.event_id };
  }
}

function fetchRows(
  executor: SqlExecutor,
  query: ListRequestsQuery,
  after: RequestCursor | undefined,
  limit: number,
  cold: readonly eventsV1.RequestCompleted[],
): Promise<RequestRow[]> {
  const parameters = new SqlParameters();
  const conditions = [...filterConditions(query.filter, parameters), ...scopeConditions(query.scope, parameters)];
  if (after !== undefined) {
    conditions.push(
      `(occurred_at, event_id) < (${parameters.add(microsText(after.occurredAtMicros))}::timestamptz, ${parameters.add(after.eventId)})`,
    );
  }
  return executor.query<RequestRow>(
    `SELECT ${REQUEST_SELECT_LIST} FROM ${requestsSource(parameters, cold)} ${whereClause(conditions)}
     ORDER BY occurred_at DESC, event_id DESC LIMIT ${limit}`,
    parameters.values,
  );
}

function pageOf(rows: RequestRow[], more: boolean): RequestPage {
  const last = rows.at(-1);
  return {
    requests: rows.map(requestFromRow),
    ...(more && last !== undefined
      ? { nextCursor: encodeCursor({ occurredAtMicros: BigInt(last.occurred_at_micros), eventId: last.event_id }) }
      : {}),
  };
}

/** About what a record weighs once sent: its text fields, metadata included, plus a fixed part for the rest. */
function rowBytes(row: RequestRow): number {
  let bytes = 512;
  for (const value of Object.values(row)) if (typeof value === 'string') bytes += value.length;
  for (const [key, value] of Object.entries(row.metadata ?? {})) bytes += key.length + value.length + 8;
  return bytes;
}

/**
 * The latest event recorded for a request id within `scope` (absent: every
 * workspace), or undefined: another workspace's request with the same id is
 * never seen, so a client-chosen id can neither shadow nor reveal it.
 */
export async function getRequest(
  executor: SqlExecutor,
  requestId: string,
  scope?: WorkspaceScope,
  cold: readonly eventsV1.RequestCompleted[] = [],
): Promise<RequestRecord | undefined> {
  const parameters = new SqlParameters();
  const conditions = [`request_id = ${parameters.add(requestId)}`, ...scopeConditions(scope, parameters)];
  const [row] = await executor.query<RequestRow>(
    `SELECT ${REQUEST_SELECT_LIST} FROM ${requestsSource(parameters, cold)} ${whereClause(conditions)} ORDER BY occurred_at DESC, event_id DESC LIMIT 1`,
    parameters.values,
  );
  return row === undefined ? undefined : requestFromRow(row);
}
