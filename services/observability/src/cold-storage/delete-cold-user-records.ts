import type { DeleteUserDataQuery } from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { SqlParameters, scopeConditions, whereClause } from '../query/request-filter';
import { coldObjectKey, decodeColdObject, encodeColdObject, sha256Hex } from './cold-object-format';
import { listColdObject, microsOf, verifyStored } from './cold-object-manifest';
import type { ObjectStore } from './object-store';

interface UserObject {
  object_key: string;
  workspace: string;
  day: string;
  sha256: string;
}

/** The prefix a key was written under: all before `requests/workspace=…/day=…/<name>`. */
const KEY_LAYOUT = /^(.*)requests\/workspace=[^/]*\/day=\d{4}-\d{2}-\d{2}\/[^/]+$/;

/**
 * Deletes one end user's exported records within the query's workspaces:
 * each object holding any is rewritten without them (uploaded under a new
 * key and verified, then listed in place of the old one in one transaction,
 * and the old object deleted), or removed when nothing else is left in it.
 * Returns how many records were deleted. An object that fails midway is
 * left as it was, listed and whole, and the error is passed on.
 */
export async function deleteColdUserRecords(client: SqlClient, store: ObjectStore, query: DeleteUserDataQuery): Promise<number> {
  const parameters = new SqlParameters();
  const conditions = [
    `object_key IN (SELECT object_key FROM cold_storage_request_ids WHERE user_id = ${parameters.add(query.user)})`,
    ...scopeConditions(query.scope, parameters),
  ];
  const objects = await client.query<UserObject>(
    `SELECT object_key, workspace, to_char(day, 'YYYY-MM-DD') AS day, sha256 FROM cold_storage_objects ${whereClause(conditions)} ORDER BY object_key`,
    parameters.values,
  );
  let deleted = 0;
  for (const object of objects) deleted += await rewriteWithout(client, store, object, query.user);
  return deleted;
}

async function rewriteWithout(client: SqlClient, store: ObjectStore, object: UserObject, user: string): Promise<number> {
  const body = await store.get(object.object_key);
  if (sha256Hex(body) !== object.sha256) {
    throw new Error(`The cold storage object ${object.object_key} does not match the SHA-256 recorded when it was exported.`);
  }
  const events = await decodeColdObject(body);
  const kept = events.filter((event) => event.user !== user);
  const removed = events.length - kept.length;
  if (removed === 0) return 0;
  if (kept.length > 0) {
    const prefix = KEY_LAYOUT.exec(object.object_key)?.[1] ?? '';
    const keptIds = kept.map((event) => event.eventId);
    const rewritten = await encodeColdObject(kept);
    const sha256 = sha256Hex(rewritten);
    const key = coldObjectKey(prefix, object.workspace, object.day, microsOf(kept[0]), keptIds);
    await store.put(key, rewritten, sha256);
    await verifyStored(store, key, sha256, keptIds);
    await client.transaction(async (transaction) => {
      await transaction.query('DELETE FROM cold_storage_objects WHERE object_key = $1', [object.object_key]);
      await listColdObject(transaction, { key, workspace: object.workspace, day: object.day, events: kept, bytes: rewritten.length, sha256 });
    });
  } else {
    await client.query('DELETE FROM cold_storage_objects WHERE object_key = $1', [object.object_key]);
  }
  // No longer listed, so never read again; the bytes go too.
  await store.delete(object.object_key);
  return removed;
}
