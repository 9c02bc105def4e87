import { decodeRecordPayload, encodeRecord, readRecord } from '../spool-record';
import type { EncodedEvent } from '../switchyard-event';

/**
 * Encoded events on their way to the publisher's thread, framed as spool
 * records (`spool-record.ts`) back to back. Each event is framed as it is
 * added, so the hand-over itself is one copy into a buffer of its own and a
 * `postMessage` that transfers it: no structured clone of event objects.
 */
export class HandoffBuffer {
  private records: Buffer[] = [];
  private bytes = 0;

  /** Events added since the last `take`. */
  get length(): number {
    return this.records.length;
  }

  /** Throws a `RangeError` for an event no spool record can hold (a key or header over 65,535 bytes). */
  add(event: EncodedEvent): void {
    const record = encodeRecord(event);
    this.records.push(record);
    this.bytes += record.length;
  }

  /**
   * The records added so far, in an `ArrayBuffer` of their own (never a
   * slice of Node's shared buffer pool, which a transfer would take away
   * from everybody else), ready to be transferred. Empties the buffer.
   */
  take(): ArrayBuffer {
    const packed = Buffer.allocUnsafeSlow(this.bytes);
    let offset = 0;
    for (const record of this.records) offset += record.copy(packed, offset);
    this.records = [];
    this.bytes = 0;
    return packed.buffer;
  }
}

/** The events of a buffer that `HandoffBuffer.take` produced, in order. */
export function unpackEvents(bytes: ArrayBuffer): EncodedEvent[] {
  const buffer = Buffer.from(bytes);
  const events: EncodedEvent[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const read = readRecord(buffer, offset);
    if (read.kind !== 'record') {
      throw new RangeError(
        `Handed-over events are damaged at byte ${offset}: ${read.kind === 'corrupt' ? read.reason : 'the last record is cut short'}.`,
      );
    }
    events.push(decodeRecordPayload(read.payload));
    offset = read.end;
  }
  return events;
}
