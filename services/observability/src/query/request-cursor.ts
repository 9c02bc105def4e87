import { invalidRequest } from '@switchyard/shared';
import { microsText } from '../storage/event-rows';

/** Where a page of requests ended: the last row's place in the (occurred_at, event_id) order. */
export interface RequestCursor {
  occurredAtMicros: bigint;
  eventId: string;
}

/** Opaque to clients: base64url of `["<microseconds>","<event id>"]`. */
export function encodeCursor(cursor: RequestCursor): string {
  return Buffer.from(JSON.stringify([cursor.occurredAtMicros.toString(), cursor.eventId])).toString('base64url');
}

/** Throws `invalidRequest` (param `cursor`) for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): RequestCursor {
  const invalid = () => invalidRequest('`cursor` is not one this service issued; pass the `nextCursor` of a previous page.', 'cursor');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [micros, eventId] = parsed as unknown[];
  if (typeof micros !== 'string' || !/^-?\d{1,18}$/.test(micros) || typeof eventId !== 'string') throw invalid();
  const occurredAtMicros = BigInt(micros);
  try {
    microsText(occurredAtMicros);
  } catch {
    throw invalid();
  }
  return { occurredAtMicros, eventId };
}
