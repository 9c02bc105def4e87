import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { eventsV1 } from '@switchyard/proto';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A decompressed object past this is refused: a record is a few kilobytes, an object at most a million records. */
const MAX_OBJECT_TEXT_BYTES = 1024 * 1024 * 1024;

/**
 * The objects' format: gzip of JSON Lines, one RequestCompleted a line in
 * protobuf's canonical JSON (events.proto's field names in lowerCamelCase,
 * times as RFC 3339, enums by name, every field present), so any JSONL reader
 * (DuckDB, Athena, jq) reads them, and they read back into the same events.
 */
export async function encodeColdObject(events: readonly eventsV1.RequestCompleted[]): Promise<Buffer> {
  const lines = events.map((event) => JSON.stringify(toJson(eventsV1.RequestCompletedSchema, event, { alwaysEmitImplicit: true })));
  return gzipAsync(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
}

export async function decodeColdObject(body: Buffer): Promise<eventsV1.RequestCompleted[]> {
  const text = (await gunzipAsync(body, { maxOutputLength: MAX_OBJECT_TEXT_BYTES })).toString('utf8');
  const events: eventsV1.RequestCompleted[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    events.push(fromJson(eventsV1.RequestCompletedSchema, JSON.parse(line) as JsonValue, { ignoreUnknownFields: true }));
  }
  return events;
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * `<prefix>requests/workspace=<workspace>/day=<YYYY-MM-DD>/<first micros>-<digest>.jsonl.gz`:
 * named by what it holds (the first record's time and a digest of the event
 * ids), so exporting the same records again writes the same key.
 */
export function coldObjectKey(prefix: string, workspace: string, day: string, firstMicros: bigint, eventIds: readonly string[]): string {
  const digest = createHash('sha256').update(eventIds.join('\n')).digest('hex').slice(0, 16);
  return `${prefix}requests/workspace=${encodeURIComponent(workspace)}/day=${day}/${firstMicros}-${digest}.jsonl.gz`;
}
