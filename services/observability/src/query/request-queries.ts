import type { eventsV1 } from '@switchyard/proto';
import { invalidRequest, type ListRequestsQuery, type RequestPage, type RequestRecord } from '@switchyard/shared';
import {
  COST_SELECT_LIST,
  REQUEST_SELECT_LIST,
  costFromRow,
  microsText,
  requestFromRow,
  type CostRow,
  type RequestRow,
} from '../storage/event-rows';
import type { SqlExecutor } from '../storage/sql-client';
import { decodeCursor, encodeCursor } from './request-cursor';
import { SqlParameters, filterConditions, whereClause } from './request-filter';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/**
 * Recorded requests matching the filter, newest first, one page at a time.
 * Pages are keyset pages over (occurred_at, event_id): rows written while a
 * client pages through never shift a page boundary, and requests with the
 * same time are neither skipped nor repeated.
 */
export async function listRequests(executor: SqlExecutor, query: ListRequestsQuery): Promise<RequestPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidRequest(`\`limit\` must be an integer from 1 to ${MAX_PAGE_SIZE}.`, 'limit');
  }
  const parameters = new SqlParameters();
  const conditions = filterConditions(query.filter, parameters);
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    conditions.push(
      `(occurred_at, event_id) < (${parameters.add(microsText(after.occurredAtMicros))}::timestamptz, ${parameters.add(after.eventId)})`,
    );
  }
  // One row more than asked for says whether there is a next page.
  const rows = await executor.query<RequestRow>(
    `SELECT ${REQUEST_SELECT_LIST} FROM requests ${whereClause(conditions)}
     ORDER BY occurred_at DESC, event_id DESC LIMIT ${limit + 1}`,
    parameters.values,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    requests: page.map(requestFromRow),
    ...(rows.length > limit && last !== undefined
      ? { nextCursor: encodeCursor({ occurredAtMicros: BigInt(last.occurred_at_micros), eventId: last.event_id }) }
      : {}),
  };
}

/** The latest event recorded for a request id, or undefined. */
export async function getRequest(executor: SqlExecutor, requestId: string): Promise<RequestRecord | undefined> {
  const [row] = await executor.query<RequestRow>(
    `SELECT ${REQUEST_SELECT_LIST} FROM requests WHERE request_id = $1 ORDER BY occurred_at DESC, event_id DESC LIMIT 1`,
    [requestId],
  );
  return row === undefined ? undefined : requestFromRow(row);
}

/** The costs recorded for a request id, oldest first. */
export async function listCosts(executor: SqlExecutor, requestId: string): Promise<eventsV1.CostRecorded[]> {
  const rows = await executor.query<CostRow>(
    `SELECT ${COST_SELECT_LIST} FROM costs WHERE request_id = $1 ORDER BY occurred_at, event_id`,
    [requestId],
  );
  return rows.map(costFromRow);
}
