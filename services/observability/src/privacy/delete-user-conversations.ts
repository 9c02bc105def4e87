import type { DeleteUserDataQuery } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, scopeConditions } from '../query/request-filter';

/**
 * Deletes the edge conversations (migration 0014) a user's streams
 * recorded (`uid`) within the query's workspaces, with their segments and
 * memories: part of deleting the user's data. Returns how many.
 */
export async function deleteUserConversations(executor: SqlExecutor, query: DeleteUserDataQuery): Promise<number> {
  const parameters = new SqlParameters();
  const conditions = [`uid = ${parameters.add(query.user)}`, ...scopeConditions(query.scope, parameters)];
  const [row] = await executor.query<{ deleted: string | number }>(
    `WITH owned AS (SELECT conversation_id FROM conversations WHERE ${conditions.join(' AND ')}),
     -- Data-modifying parts run to completion whether the final SELECT reads them or not.
     segments AS (DELETE FROM conversation_segments WHERE conversation_id IN (SELECT conversation_id FROM owned) RETURNING 1),
     memories AS (DELETE FROM conversation_memories WHERE conversation_id IN (SELECT conversation_id FROM owned) RETURNING 1),
     deleted AS (DELETE FROM conversations WHERE conversation_id IN (SELECT conversation_id FROM owned) RETURNING 1)
     SELECT count(*) AS deleted FROM deleted`,
    parameters.values,
  );
  return Number(row?.deleted ?? 0);
}
