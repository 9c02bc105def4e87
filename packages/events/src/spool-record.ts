import { crc32 } from 'node:zlib';
import type { EncodedEvent } from './switchyard-event';
import type { Topic } from './topics';

/**
 * The on-disk form of one spooled event.
 *
 * A segment file starts with the 8-byte magic `SWSPOOL` + format version 1,
 * then holds records back to back:
 *
 *   u32 payload length | u32 CRC-32 of (length bytes + payload) | payload
 *
 * and a payload is (integers big-endian, strings UTF-8):
 *
 *   u8 payload version (1)
 *   u16 topic length, topic
 *   u16 key length, key
 *   u16 header count, then per header: u16 name length, name, u16 value length, value
 *   u32 value length, value (the protobuf message)
 *
 * The CRC covers the length too, so a torn write that left a plausible
 * length but not the bytes behind it is caught.
 */
export const SEGMENT_MAGIC = Buffer.from('SWSPOOL\u0001', 'latin1');
export const RECORD_HEADER_BYTES = 8;
/** Larger than any event the gateway writes; a length above it is corruption, not a record. */
export const MAX_RECORD_PAYLOAD_BYTES = 16 * 1024 * 1024;
const PAYLOAD_VERSION = 1;

/** The framed record: header and payload, ready to append. */
export function encodeRecord(event: EncodedEvent): Buffer {
  const topic = Buffer.from(event.topic, 'utf8');
  const key = Buffer.from(event.key, 'utf8');
  const headers = Object.entries(event.headers).map(([name, value]) => [Buffer.from(name, 'utf8'), Buffer.from(value, 'utf8')] as const);
  const payloadLength =
    1 +
    2 +
    topic.length +
    2 +
    key.length +
    2 +
    headers.reduce((sum, [name, value]) => sum + 4 + name.length + value.length, 0) +
    4 +
    event.value.length;
  if (
    topic.length > 0xffff ||
    key.length > 0xffff ||
    headers.length > 0xffff ||
    headers.some(([name, value]) => name.length > 0xffff || value.length > 0xffff)
  ) {
    throw new RangeError('An event topic, key, header name or header value is longer than 65,535 bytes.');
  }
  if (payloadLength > MAX_RECORD_PAYLOAD_BYTES) throw new RangeError(`An event of ${payloadLength} bytes is larger than a spool record may be.`);

  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadLength);
  let offset = RECORD_HEADER_BYTES;
  offset = record.writeUInt8(PAYLOAD_VERSION, offset);
  offset = writeShortBytes(record, offset, topic);
  offset = writeShortBytes(record, offset, key);
  offset = record.writeUInt16BE(headers.length, offset);
  for (const [name, value] of headers) {
    offset = writeShortBytes(record, offset, name);
    offset = writeShortBytes(record, offset, value);
  }
  offset = record.writeUInt32BE(event.value.length, offset);
  record.set(event.value, offset);

  record.writeUInt32BE(payloadLength, 0);
  record.writeUInt32BE(recordChecksum(record.subarray(0, 4), record.subarray(RECORD_HEADER_BYTES)), 4);
  return record;
}

/** What `readRecord` found at an offset. */
export type RecordRead =
  | { kind: 'record'; payload: Buffer; end: number }
  /** The bytes stop before the record does: more must be read, or the tail is torn. */
  | { kind: 'incomplete'; needed: number }
  /** The length is impossible or the checksum does not match. */
  | { kind: 'corrupt'; reason: string };

/** Reads the record framed at `offset` of `buffer`, checking its length and checksum. */
export function readRecord(buffer: Buffer, offset: number): RecordRead {
  if (buffer.length - offset < RECORD_HEADER_BYTES) return { kind: 'incomplete', needed: RECORD_HEADER_BYTES };
  const length = buffer.readUInt32BE(offset);
  if (length === 0 || length > MAX_RECORD_PAYLOAD_BYTES) return { kind: 'corrupt', reason: `impossible record length ${length}` };
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > buffer.length) return { kind: 'incomplete', needed: RECORD_HEADER_BYTES + length };
  const payload = buffer.subarray(offset + RECORD_HEADER_BYTES, end);
  const expected = buffer.readUInt32BE(offset + 4);
  if (recordChecksum(buffer.subarray(offset, offset + 4), payload) !== expected) return { kind: 'corrupt', reason: 'checksum mismatch' };
  return { kind: 'record', payload, end };
}

/** Decodes a payload whose checksum has been verified. */
export function decodeRecordPayload(payload: Buffer): EncodedEvent {
  if (payload.readUInt8(0) !== PAYLOAD_VERSION) throw new RangeError(`Unknown spool record version ${payload.readUInt8(0)}.`);
  let offset = 1;
  const readShortString = (): string => {
    const length = payload.readUInt16BE(offset);
    const text = payload.toString('utf8', offset + 2, offset + 2 + length);
    offset += 2 + length;
    return text;
  };
  // The spool holds only what encodeEvent produced, so the topic is one of ours.
  const topic = readShortString() as Topic;
  const key = readShortString();
  const headerCount = payload.readUInt16BE(offset);
  offset += 2;
  const headers: Record<string, string> = {};
  for (let index = 0; index < headerCount; index++) {
    const name = readShortString();
    headers[name] = readShortString();
  }
  const valueLength = payload.readUInt32BE(offset);
  offset += 4;
  if (offset + valueLength !== payload.length) throw new RangeError('A spool record value does not end where the record does.');
  // A copy, so the returned event does not pin the whole read buffer in memory.
  const value = Buffer.from(payload.subarray(offset, offset + valueLength));
  return { topic, key, value, headers };
}

function writeShortBytes(target: Buffer, offset: number, bytes: Buffer): number {
  const next = target.writeUInt16BE(bytes.length, offset);
  bytes.copy(target, next);
  return next + bytes.length;
}

function recordChecksum(lengthBytes: Buffer, payload: Buffer): number {
  return crc32(payload, crc32(lengthBytes));
}
