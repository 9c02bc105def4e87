import type { SqlClient } from '@switchyard/database';
import { REQUEST_SELECT_LIST, requestFromRow, type RequestRow } from '../storage/event-rows';
import { coldObjectKey, encodeColdObject, sha256Hex } from './cold-object-format';
import { listColdObject, verifyStored } from './cold-object-manifest';
import type { ObjectStore } from './object-store';

const DAY_MS = 86_400_000;
/** Workspace-days listed at a time; the export goes on until none is left. */
const PARTITIONS_PER_LIST = 100;

export interface ExportColdRecordsOptions {
  /** Records that occurred before this time are exported; it is rounded down to a UTC midnight, so days move whole. */
  before: Date;
  /** Prepended to each key ('' or ending in '/'). */
  prefix: string;
  maxRecordsPerObject: number;
  /** Checked between objects: an export stops early (what it moved stays moved). */
  signal?: AbortSignal;
}

export interface ExportedColdRecords {
  objects: number;
  records: number;
}

/**
 * Moves the records that occurred before `before` (a whole UTC day at a
 * time) from `requests` to the object store: per workspace and day, up to
 * `maxRecordsPerObject` records per gzip JSONL object. Each object is
 * uploaded, read back and compared (SHA-256 and every event id), and only
 * then, in one transaction, listed in `cold_storage_objects` and its records
 * deleted from `requests`. A failure at any step before that commit leaves
 * the database as it was (an uploaded object that was never listed is never
 * read); running the export again exports what is left, so it is idempotent.
 * Two exporters at once cannot both list the same records: the second's
 * delete finds them gone, and its transaction is rolled back.
 */
export async function exportColdRecords(client: SqlClient, store: ObjectStore, options: ExportColdRecordsOptions): Promise<ExportedColdRecords> {
  const before = new Date(Math.floor(options.before.getTime() / DAY_MS) * DAY_MS);
  const exported: ExportedColdRecords = { objects: 0, records: 0 };
  for (;;) {
    const partitions = await client.query<{ workspace: string; day: string }>(
      `SELECT workspace, to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day
       FROM requests WHERE occurred_at < $1::timestamptz GROUP BY 1, 2 ORDER BY 2, 1 LIMIT ${PARTITIONS_PER_LIST}`,
      [before.toISOString()],
    );
    if (partitions.length === 0) return exported;
    for (const { workspace, day } of partitions) {
      for (;;) {
        if (options.signal?.aborted) return exported;
        const moved = await exportOneObject(client, store, options, workspace, day);
        if (moved === 0) break;
        exported.objects += 1;
        exported.records += moved;
        if (moved < options.maxRecordsPerObject) break;
      }
    }
  }
}

/** Exports the oldest records (up to an object's worth) of one workspace-day; returns how many, 0 when none were left. */
async function exportOneObject(
  client: SqlClient,
  store: ObjectStore,
  options: ExportColdRecordsOptions,
  workspace: string,
  day: string,
): Promise<number> {
  const dayStart = new Date(`${day}T00:00:00Z`);
  const rows = await client.query<RequestRow>(
    `SELECT ${REQUEST_SELECT_LIST} FROM requests
     WHERE workspace = $1 AND occurred_at >= $2::timestamptz AND occurred_at < $3::timestamptz
     ORDER BY occurred_at, event_id LIMIT ${options.maxRecordsPerObject}`,
    [workspace, dayStart.toISOString(), new Date(dayStart.getTime() + DAY_MS).toISOString()],
  );
  if (rows.length === 0) return 0;
  const events = rows.map(requestFromRow);
  const eventIds = rows.map((row) => row.event_id);
  const body = await encodeColdObject(events);
  const sha256 = sha256Hex(body);
  const key = coldObjectKey(options.prefix, workspace, day, BigInt(rows[0].occurred_at_micros), eventIds);

  await store.put(key, body, sha256);
  await verifyStored(store, key, sha256, eventIds);

  await client.transaction(async (transaction) => {
    const [deleted] = await transaction.query<{ count: string | number }>(
      `WITH deleted AS (DELETE FROM requests WHERE event_id = ANY($1::text[]) RETURNING 1) SELECT count(*) AS count FROM deleted`,
      [eventIds],
    );
    if (Number(deleted?.count ?? 0) !== rows.length) {
      throw new Error(`Another export moved some of the records of ${workspace} on ${day} first; this one is rolled back.`);
    }
    await listColdObject(transaction, { key, workspace, day, events, bytes: body.length, sha256 });
  });
  return rows.length;
}
