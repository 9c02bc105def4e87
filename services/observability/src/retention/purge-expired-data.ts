import type { SqlExecutor } from '@switchyard/database';
import { purgeExpiredSpans } from '../traces/span-retention';
import { purgeExpiredConversations } from './conversation-retention';

/** The tables of request data, each with `occurred_at` and `event_id`. */
const REQUEST_DATA_TABLES = ['requests'] as const;

/** Rows deleted per statement: short statements, so writers are never held up for long. */
const PURGE_BATCH_ROWS = 5_000;

export type PurgedData = Record<(typeof REQUEST_DATA_TABLES)[number], number>;

/** Deletes request data, spans and edge conversations that occurred before `before`, a batch at a time. */
export async function purgeExpiredData(executor: SqlExecutor, before: Date, signal?: AbortSignal): Promise<PurgedData> {
  const purged: PurgedData = { requests: 0 };
  for (const table of REQUEST_DATA_TABLES) {
    for (;;) {
      if (signal?.aborted) return purged;
      const [row] = await executor.query<{ deleted: string | number }>(
        `WITH deleted AS (
           DELETE FROM ${table} WHERE event_id IN (
             SELECT event_id FROM ${table} WHERE occurred_at < $1::timestamptz LIMIT ${PURGE_BATCH_ROWS})
           RETURNING 1)
         SELECT count(*) AS deleted FROM deleted`,
        [before.toISOString()],
      );
      const deleted = Number(row?.deleted ?? 0);
      purged[table] += deleted;
      if (deleted < PURGE_BATCH_ROWS) break;
    }
  }
  await purgeExpiredSpans(executor, before, signal);
  await purgeExpiredConversations(executor, before, signal);
  return purged;
}
