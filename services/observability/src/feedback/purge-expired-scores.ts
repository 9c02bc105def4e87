import type { SqlExecutor } from '@switchyard/database';

/** Rows deleted per statement, as for the request data: writers are never held up for long. */
const PURGE_BATCH_ROWS = 5_000;

/**
 * Deletes feedback scores given before `before`, a batch at a time: a score
 * comes after what it scores, so it goes a little after its request does
 * (`observability.retentionDays`). Returns how many went.
 */
export async function purgeExpiredScores(executor: SqlExecutor, before: Date, signal?: AbortSignal): Promise<number> {
  let purged = 0;
  for (;;) {
    if (signal?.aborted) return purged;
    const [row] = await executor.query<{ deleted: string | number }>(
      `WITH deleted AS (
         DELETE FROM scores WHERE score_id IN (SELECT score_id FROM scores WHERE created_at < $1::timestamptz LIMIT ${PURGE_BATCH_ROWS})
         RETURNING 1)
       SELECT count(*) AS deleted FROM deleted`,
      [before.toISOString()],
    );
    const deleted = Number(row?.deleted ?? 0);
    purged += deleted;
    if (deleted < PURGE_BATCH_ROWS) return purged;
  }
}
