import type { SqlExecutor } from '@switchyard/database';
import type { eventsV1 } from '@switchyard/proto';
import { microsText } from '../storage/event-rows';
import { decodeColdObject, sha256Hex } from './cold-object-format';
import type { ObjectStore } from './object-store';

/** An object written and verified, as `cold_storage_objects` lists it. */
export interface ColdObject {
  key: string;
  workspace: string;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** Its records, oldest first. */
  events: readonly eventsV1.RequestCompleted[];
  bytes: number;
  sha256: string;
}

/** Lists the object and indexes its request ids and users (within the caller's transaction). */
export async function listColdObject(transaction: SqlExecutor, object: ColdObject): Promise<void> {
  await transaction.query(
    `INSERT INTO cold_storage_objects (object_key, workspace, day, records, bytes, sha256, first_occurred_at, last_occurred_at)
     VALUES ($1, $2, $3::date, $4, $5, $6, $7::timestamptz, $8::timestamptz)`,
    [
      object.key,
      object.workspace,
      object.day,
      object.events.length,
      object.bytes,
      object.sha256,
      microsText(microsOf(object.events[0])),
      microsText(microsOf(object.events.at(-1)!)),
    ],
  );
  await transaction.query(
    `INSERT INTO cold_storage_request_ids (object_key, request_id, user_id)
     SELECT DISTINCT $1, request_id, user_id FROM unnest($2::text[], $3::text[]) AS ids(request_id, user_id) ON CONFLICT DO NOTHING`,
    [object.key, object.events.map((event) => event.requestId), object.events.map((event) => event.user)],
  );
}

/** Reads an object back: the same bytes (SHA-256), decoding to the same events in the same order. */
export async function verifyStored(store: ObjectStore, key: string, sha256: string, eventIds: readonly string[]): Promise<void> {
  const stored = await store.get(key);
  const storedSha256 = sha256Hex(stored);
  if (storedSha256 !== sha256) {
    throw new Error(`The object ${key} read back differs from what was uploaded (SHA-256 ${storedSha256}, expected ${sha256}).`);
  }
  const decoded = await decodeColdObject(stored);
  if (decoded.length !== eventIds.length || decoded.some((event, index) => event.eventId !== eventIds[index])) {
    throw new Error(`The object ${key} read back does not hold the ${eventIds.length} records uploaded.`);
  }
}

export function microsOf(event: eventsV1.RequestCompleted): bigint {
  const time = event.occurredAt;
  return time === undefined ? 0n : time.seconds * 1_000_000n + BigInt(Math.floor(time.nanos / 1000));
}
