import type { DeleteUserDataQuery, DeletedUserData } from '@switchyard/shared';
import type { SqlClient, SqlExecutor } from '@switchyard/database';
import { SqlParameters, scopeConditions } from '../query/request-filter';
import { deleteUserSpans } from '../traces/span-retention';
import { deleteUserConversations } from './delete-user-conversations';

/** The tables that hold an end user's data, each with `user_id` and `workspace`. */
const USER_TABLES = ['requests'] as const;

/**
 * Deletes every record, span and edge conversation of one end user within the
 * query's workspaces, in one transaction: all of it or none. InfluxDB holds
 * no user ids; dead letters (events a store refused, kept for operators) are
 * not per user and stay until an operator clears them.
 */
export async function deleteUserData(client: SqlClient, query: DeleteUserDataQuery): Promise<DeletedUserData> {
  return client.transaction(async (transaction) => {
    await deleteScoresOfUser(transaction, query);
    const counts: Partial<Record<(typeof USER_TABLES)[number], number>> = {};
    for (const table of USER_TABLES) {
      const parameters = new SqlParameters();
      const conditions = [`user_id = ${parameters.add(query.user)}`, ...scopeConditions(query.scope, parameters)];
      const [row] = await transaction.query<{ deleted: string | number }>(
        `WITH deleted AS (DELETE FROM ${table} WHERE ${conditions.join(' AND ')} RETURNING 1) SELECT count(*) AS deleted FROM deleted`,
        parameters.values,
      );
      counts[table] = Number(row?.deleted ?? 0);
    }
    await deleteUserSpans(transaction, query);
    await deleteUserConversations(transaction, query);
    return { requests: counts.requests ?? 0 };
  });
}

/**
 * The feedback scores on the user's requests go with them (a comment may
 * say who the user is); scores on a whole trace are not one user's and stay.
 */
async function deleteScoresOfUser(executor: SqlExecutor, query: DeleteUserDataQuery): Promise<void> {
  const parameters = new SqlParameters();
  const conditions = [`user_id = ${parameters.add(query.user)}`, ...scopeConditions(query.scope, parameters)];
  await executor.query(
    `DELETE FROM scores WHERE on_request AND (workspace, request_id) IN (SELECT workspace, request_id FROM requests WHERE ${conditions.join(' AND ')})`,
    parameters.values,
  );
}
