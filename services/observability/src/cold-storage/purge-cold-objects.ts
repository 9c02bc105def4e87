import type { SqlClient } from '@switchyard/database';
import type { ObjectStore } from './object-store';

/** Objects removed per listing. */
const PURGE_BATCH_OBJECTS = 500;

/**
 * Removes the exported objects whose records all occurred before `before`
 * (retention): each object is deleted from the store first, then from the
 * list, so one that cannot be deleted stays listed and is tried again next
 * time. Returns how many objects and records went.
 */
export async function purgeColdObjects(
  client: SqlClient,
  store: ObjectStore,
  before: Date,
  signal?: AbortSignal,
): Promise<{ objects: number; records: number }> {
  const purged = { objects: 0, records: 0 };
  for (;;) {
    const objects = await client.query<{ object_key: string; records: string | number }>(
      `SELECT object_key, records FROM cold_storage_objects WHERE last_occurred_at < $1::timestamptz ORDER BY object_key LIMIT ${PURGE_BATCH_OBJECTS}`,
      [before.toISOString()],
    );
    for (const object of objects) {
      if (signal?.aborted) return purged;
      await store.delete(object.object_key);
      await client.query('DELETE FROM cold_storage_objects WHERE object_key = $1', [object.object_key]);
      purged.objects += 1;
      purged.records += Number(object.records);
    }
    if (objects.length < PURGE_BATCH_OBJECTS) return purged;
  }
}
