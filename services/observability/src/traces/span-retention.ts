import type { DeleteUserDataQuery } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, scopeConditions } from '../query/request-filter';

/** Spans deleted per statement, as the request tables are purged: short statements. */
const PURGE_BATCH_ROWS = 5_000;

/** Deletes the spans that started before `before`, a batch at a time (the retention window applies to traces too). */
export async function purgeExpiredSpans(executor: SqlExecutor, before: Date, signal?: AbortSignal): Promise<number> {
  let purged = 0;
  for (;;) {
    if (signal?.aborted) return purged;
    const [row] = await executor.query<{ deleted: string | number }>(
      `WITH deleted AS (
         DELETE FROM spans WHERE (workspace, trace_id, span_id) IN (
           SELECT workspace, trace_id, span_id FROM spans WHERE started_at < $1::timestamptz LIMIT ${PURGE_BATCH_ROWS})
         RETURNING 1)
       SELECT count(*) AS deleted FROM deleted`,
      [before.toISOString()],
    );
    const deleted = Number(row?.deleted ?? 0);
    purged += deleted;
    if (deleted < PURGE_BATCH_ROWS) return purged;
  }
}

/** Deletes the spans an end user sent (`user.id`) within the query's workspaces; part of deleting the user's data. */
export async function deleteUserSpans(executor: SqlExecutor, query: DeleteUserDataQuery): Promise<number> {
  const parameters = new SqlParameters();
  const conditions = [`user_id = ${parameters.add(query.user)}`, ...scopeConditions(query.scope, parameters)];
  const [row] = await executor.query<{ deleted: string | number }>(
    `WITH deleted AS (DELETE FROM spans WHERE ${conditions.join(' AND ')} RETURNING 1) SELECT count(*) AS deleted FROM deleted`,
    parameters.values,
  );
  return Number(row?.deleted ?? 0);
}
