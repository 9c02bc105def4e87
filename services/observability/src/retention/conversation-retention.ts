import type { SqlExecutor } from '@switchyard/database';

/** Conversations deleted per statement (with their segments and memories): short statements. */
const PURGE_BATCH_CONVERSATIONS = 500;

/**
 * Deletes the edge conversations (migration 0014) that ended before
 * `before` — or started before it and never ended — with their segments
 * and memories, a batch at a time: the retention window applies to what
 * wearables recorded too.
 */
export async function purgeExpiredConversations(executor: SqlExecutor, before: Date, signal?: AbortSignal): Promise<number> {
  let purged = 0;
  for (;;) {
    if (signal?.aborted) return purged;
    const [row] = await executor.query<{ deleted: string | number }>(
      `WITH expired AS (
         SELECT conversation_id FROM conversations WHERE coalesce(finished_at, started_at) < $1::timestamptz LIMIT ${PURGE_BATCH_CONVERSATIONS}),
       -- Data-modifying parts run to completion whether the final SELECT reads them or not.
       segments AS (DELETE FROM conversation_segments WHERE conversation_id IN (SELECT conversation_id FROM expired) RETURNING 1),
       memories AS (DELETE FROM conversation_memories WHERE conversation_id IN (SELECT conversation_id FROM expired) RETURNING 1),
       deleted AS (DELETE FROM conversations WHERE conversation_id IN (SELECT conversation_id FROM expired) RETURNING 1)
       SELECT count(*) AS deleted FROM deleted`,
      [before.toISOString()],
    );
    const deleted = Number(row?.deleted ?? 0);
    purged += deleted;
    if (deleted < PURGE_BATCH_CONVERSATIONS) return purged;
  }
}
