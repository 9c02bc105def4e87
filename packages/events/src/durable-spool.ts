import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@switchyard/shared';
import type { EncodedEvent } from './switchyard-event';
import { SEGMENT_MAGIC, decodeRecordPayload, encodeRecord, readRecord } from './spool-record';

export interface DurableSpoolOptions {
  /** Directory of the segment files and the cursor; created when missing. One process per directory. */
  directory: string;
  /** The segment files together may hold at most this many bytes; appends past it are refused. Default 256 MiB. */
  maxBytes?: number;
  /** A new segment is started when a record would take the current one past this size. Default 16 MiB. */
  segmentMaxBytes?: number;
  logger: Logger;
}

/** A place in the spool: a segment, a byte offset in it, and how many records precede that offset there. */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
  readonly recordIndex: number;
}

/** Events read from the cursor on; `commit` it once they are safely delivered. */
export interface SpoolBatch {
  readonly events: EncodedEvent[];
  readonly start: SpoolPosition;
  readonly end: SpoolPosition;
}

/** A write failed part-way; the first `appended` events are in the spool, the rest are not. */
export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
  constructor(
    readonly appended: number,
    override readonly cause: unknown,
  ) {
    super(`The spool write failed after ${appended} events: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

interface Segment {
  readonly number: number;
  /** Bytes of valid content, header included; the file is exactly this long. */
  size: number;
  /** Valid records in the segment. */
  records: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_SEGMENT_MAX_BYTES = 16 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const CURSOR_FILE = 'cursor.json';
const SEGMENT_FILE = /^segment-(\d{20})\.log$/;

/**
 * Events that could not be handed to Kafka, kept on local disk until they
 * can be, in the order they were appended.
 *
 * Layout: append-only segment files `segment-<20 digits>.log` (format in
 * spool-record.ts: length-prefixed records with a CRC-32 each) and
 * `cursor.json`, the position of the first record not yet acknowledged by
 * Kafka. `read` returns events from the cursor on without moving it;
 * `commit` moves it past a batch once Kafka has acknowledged that batch,
 * and deletes segments that are wholly behind it. When everything has been
 * read, every segment is deleted and the next append starts a fresh one.
 *
 * fsync policy (group commit): `append` writes its whole batch with one
 * write per segment touched and then fdatasyncs that segment before it
 * returns, so an event counted as spooled survives a crash or power loss.
 * A new segment file is fsynced together with its directory entry. The
 * cursor is written to a temporary file, fsynced, and renamed over
 * `cursor.json`; the directory is not fsynced after the rename, so a power
 * loss can bring back the previous cursor.
 *
 * What a crash can do:
 * - Lose: only an append that had not returned (its events were not yet
 *   counted as spooled). A torn record it left at the end of a segment fails
 *   its length or CRC check on the next open and is cut off, never replayed
 *   as garbage.
 * - Duplicate: a batch Kafka acknowledged whose cursor write had not yet
 *   happened (or, after a power loss, whose rename was not yet on disk) is
 *   replayed. Delivery is at least once; consumers de-duplicate by event id.
 *
 * Not safe for concurrent use: calls are serialized internally, and one
 * process owns the directory.
 */
export class DurableSpool {
  private readonly maxBytes: number;
  private readonly segmentMaxBytes: number;
  private readonly logger: Logger;
  private writer: { segment: Segment; handle: FileHandle } | undefined;
  private pending = 0;
  private totalBytes = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly directory: string,
    private segments: Segment[],
    private cursor: SpoolPosition,
    options: DurableSpoolOptions,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.segmentMaxBytes = options.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES;
    this.logger = options.logger;
    this.totalBytes = segments.reduce((sum, segment) => sum + segment.size, 0);
    this.pending = segments.reduce((sum, segment) => sum + segment.records, 0) - (segments[0]?.number === cursor.segment ? cursor.recordIndex : 0);
  }

  /**
   * Opens the spool in `directory`: deletes segments wholly behind the
   * cursor, checks every record of the others, and cuts off a torn or
   * corrupt tail. Throws when the directory holds a segment of another
   * format.
   */
  static async open(options: DurableSpoolOptions): Promise<DurableSpool> {
    const directory = path.resolve(options.directory);
    const logger = options.logger;
    await mkdir(directory, { recursive: true });
    await rm(path.join(directory, `${CURSOR_FILE}.tmp`), { force: true });

    const stored = await readCursor(directory, logger);
    const numbers = (await readdir(directory))
      .map((name) => SEGMENT_FILE.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);

    const segments: Segment[] = [];
    let cursor: SpoolPosition | undefined;
    for (const number of numbers) {
      const file = segmentPath(directory, number);
      if (stored && number < stored.segment) {
        await rm(file, { force: true });
        continue;
      }
      const isLast = number === numbers[numbers.length - 1];
      const cursorOffset = stored && number === stored.segment ? stored.offset : undefined;
      const scan = await scanSegment(file, cursorOffset, logger);
      if (scan === 'empty') {
        // Created but its header never reached the disk: nothing was in it.
        await rm(file, { force: true });
        continue;
      }
      if (scan.cutBytes > 0) {
        logger.warn({ segment: number, bytesCut: scan.cutBytes, reason: scan.cutReason, lastSegment: isLast }, 'spool-tail-cut');
      }
      segments.push({ number, size: scan.size, records: scan.records });
      if (cursor === undefined) {
        cursor = cursorOffset !== undefined ? { segment: number, offset: scan.cursorOffset, recordIndex: scan.cursorRecordIndex } : start(number);
      }
    }
    cursor ??= { segment: Math.max(stored?.segment ?? 0, numbers[numbers.length - 1] ?? 0), offset: SEGMENT_MAGIC.length, recordIndex: 0 };
    const spool = new DurableSpool(directory, segments, cursor, options);
    if (spool.pending === 0 && segments.length > 0) await spool.exclusive(() => spool.dropAllSegments());
    return spool;
  }

  /** Events appended and not yet committed. */
  get pendingEvents(): number {
    return this.pending;
  }

  /** Bytes of segment files on disk. */
  get sizeBytes(): number {
    return this.totalBytes;
  }

  /**
   * Appends events in order and fsyncs them; resolves with how many were
   * taken. When the next one would take the spool past its maximum size,
   * that one and all after it are refused (a prefix is taken, so order
   * holds). Rejects with `SpoolWriteError` when the disk fails.
   */
  append(events: readonly EncodedEvent[]): Promise<number> {
    return this.exclusive(() => this.appendNow(events));
  }

  /** Reads up to `maxEvents` events from the cursor on, without moving it. */
  read(maxEvents: number): Promise<SpoolBatch> {
    return this.exclusive(() => this.readNow(maxEvents));
  }

  /** Moves the cursor past `batch` (which must start at the cursor) and persists it; deletes what is wholly read. */
  commit(batch: SpoolBatch): Promise<void> {
    return this.exclusive(() => this.commitNow(batch));
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.closed = true;
      await this.closeWriter();
    });
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (this.closed) throw new Error('The spool is closed.');
      return operation();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async appendNow(events: readonly EncodedEvent[]): Promise<number> {
    let appended = 0;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    let chunkRecords = 0;
    const writeChunk = async () => {
      if (chunkRecords === 0) return;
      const writer = this.writer!;
      const before = writer.segment.size;
      try {
        await writeFully(writer.handle, Buffer.concat(chunk, chunkBytes), before);
        await writer.handle.datasync();
      } catch (error) {
        await writer.handle.truncate(before).catch(() => undefined);
        throw new SpoolWriteError(appended, error);
      }
      writer.segment.size += chunkBytes;
      writer.segment.records += chunkRecords;
      this.totalBytes += chunkBytes;
      this.pending += chunkRecords;
      appended += chunkRecords;
      chunk = [];
      chunkBytes = 0;
      chunkRecords = 0;
    };

    let records: Buffer[];
    try {
      records = events.map(encodeRecord);
    } catch (error) {
      throw new SpoolWriteError(0, error);
    }
    for (const record of records) {
      const current = this.writer?.segment;
      const needsNewSegment =
        !current || (current.size + chunkBytes + record.length > this.segmentMaxBytes && current.size + chunkBytes > SEGMENT_MAGIC.length);
      const growth = record.length + (needsNewSegment ? SEGMENT_MAGIC.length : 0);
      if (this.totalBytes + chunkBytes + growth > this.maxBytes) break;
      if (needsNewSegment) {
        await writeChunk();
        await this.startSegment().catch((error) => {
          throw new SpoolWriteError(appended, error);
        });
      }
      chunk.push(record);
      chunkBytes += record.length;
      chunkRecords++;
    }
    await writeChunk();
    return appended;
  }

  private async readNow(maxEvents: number): Promise<SpoolBatch> {
    const start = this.cursor;
    const events: EncodedEvent[] = [];
    let position = start;
    let index = this.segments.findIndex((segment) => segment.number === position.segment);
    if (index === -1 && this.segments.length > 0) {
      index = 0;
      position = { ...startOf(this.segments[0]) };
    }
    while (index !== -1 && index < this.segments.length && events.length < maxEvents) {
      const segment = this.segments[index];
      if (position.offset >= segment.size) {
        index++;
        if (index < this.segments.length) position = startOf(this.segments[index]);
        continue;
      }
      const handle = await open(segmentPath(this.directory, segment.number), 'r');
      try {
        while (position.offset < segment.size && events.length < maxEvents) {
          const buffer = await readAt(handle, position.offset, Math.min(READ_CHUNK_BYTES, segment.size - position.offset));
          let offset = 0;
          let progressed = false;
          while (offset < buffer.length && events.length < maxEvents) {
            const found = readRecord(buffer, offset);
            if (found.kind === 'incomplete') {
              if (progressed) break;
              // One record larger than the chunk: read exactly that record.
              if (position.offset + found.needed > segment.size) {
                await this.cutSegment(segment, position, 'record runs past the end of the segment');
                break;
              }
              const whole = await readAt(handle, position.offset, found.needed);
              const again = readRecord(whole, 0);
              if (again.kind !== 'record') {
                await this.cutSegment(segment, position, again.kind === 'corrupt' ? again.reason : 'short read');
                break;
              }
              const event = decodeOrUndefined(again.payload);
              if (!event) {
                await this.cutSegment(segment, position, 'record does not decode');
                break;
              }
              events.push(event);
              position = { segment: segment.number, offset: position.offset + again.end, recordIndex: position.recordIndex + 1 };
              break;
            }
            if (found.kind === 'corrupt') {
              await this.cutSegment(segment, position, found.reason);
              break;
            }
            const event = decodeOrUndefined(found.payload);
            if (!event) {
              await this.cutSegment(segment, position, 'record does not decode');
              break;
            }
            events.push(event);
            position = { segment: segment.number, offset: position.offset + (found.end - offset), recordIndex: position.recordIndex + 1 };
            offset = found.end;
            progressed = true;
          }
        }
      } finally {
        await handle.close();
      }
    }
    return { events, start, end: position };
  }

  private async commitNow(batch: SpoolBatch): Promise<void> {
    const { start, end } = batch;
    if (start.segment !== this.cursor.segment || start.offset !== this.cursor.offset) {
      throw new Error('The batch does not start at the spool cursor: it was committed already, or read before another commit.');
    }
    if (batch.events.length === 0) return;
    this.cursor = end;
    this.pending -= batch.events.length;
    await writeCursor(this.directory, end);
    if (this.pending === 0) {
      await this.dropAllSegments();
      return;
    }
    const behind = this.segments.filter((segment) => segment.number < end.segment);
    for (const segment of behind) await this.deleteSegment(segment);
  }

  /** Cuts a segment at `position` after a record there failed its checks; the records behind it are lost. */
  private async cutSegment(segment: Segment, position: SpoolPosition, reason: string): Promise<void> {
    const lostRecords = segment.records - position.recordIndex;
    const lostBytes = segment.size - position.offset;
    this.logger.error({ segment: segment.number, offset: position.offset, lostRecords, lostBytes, reason }, 'spool-segment-corrupt');
    const handle = this.writer?.segment === segment ? this.writer.handle : await open(segmentPath(this.directory, segment.number), 'r+');
    try {
      await handle.truncate(position.offset);
      await handle.datasync();
    } finally {
      if (this.writer?.handle !== handle) await handle.close();
    }
    segment.size = position.offset;
    segment.records = position.recordIndex;
    this.totalBytes -= lostBytes;
    this.pending -= lostRecords;
  }

  private async startSegment(): Promise<void> {
    await this.closeWriter();
    const last = this.segments[this.segments.length - 1];
    const number = Math.max(last?.number ?? 0, this.cursor.segment) + 1;
    const handle = await open(segmentPath(this.directory, number), 'wx+');
    try {
      await handle.write(SEGMENT_MAGIC, 0, SEGMENT_MAGIC.length, 0);
      await handle.sync();
      await syncDirectory(this.directory);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(segmentPath(this.directory, number), { force: true }).catch(() => undefined);
      throw error;
    }
    const segment: Segment = { number, size: SEGMENT_MAGIC.length, records: 0 };
    this.segments.push(segment);
    this.totalBytes += segment.size;
    this.writer = { segment, handle };
  }

  private async closeWriter(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.handle.close();
  }

  private async deleteSegment(segment: Segment): Promise<void> {
    if (this.writer?.segment === segment) await this.closeWriter();
    await rm(segmentPath(this.directory, segment.number), { force: true });
    this.segments = this.segments.filter((other) => other !== segment);
    this.totalBytes -= segment.size;
  }

  private async dropAllSegments(): Promise<void> {
    for (const segment of [...this.segments]) await this.deleteSegment(segment);
  }
}

function decodeOrUndefined(payload: Buffer): EncodedEvent | undefined {
  try {
    return decodeRecordPayload(payload);
  } catch {
    return undefined;
  }
}

function segmentPath(directory: string, number: number): string {
  return path.join(directory, `segment-${String(number).padStart(20, '0')}.log`);
}

function start(segment: number): SpoolPosition {
  return { segment, offset: SEGMENT_MAGIC.length, recordIndex: 0 };
}

function startOf(segment: Segment): SpoolPosition {
  return start(segment.number);
}

async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

interface SegmentScan {
  size: number;
  records: number;
  cutBytes: number;
  cutReason?: string;
  /** The stored cursor offset, moved to a record boundary when it was not on one. */
  cursorOffset: number;
  cursorRecordIndex: number;
}

/**
 * Checks every record of a segment file and truncates it after the last
 * good one. Returns 'empty' for a file whose header is missing or torn.
 */
async function scanSegment(file: string, cursorOffset: number | undefined, logger: Logger): Promise<SegmentScan | 'empty'> {
  const handle = await open(file, 'r+');
  try {
    const { size: fileSize } = await handle.stat();
    const content = await readAt(handle, 0, fileSize);
    const header = content.subarray(0, SEGMENT_MAGIC.length);
    if (!SEGMENT_MAGIC.subarray(0, header.length).equals(header)) {
      throw new Error(`${file} is not a spool segment of this format; move it out of the spool directory.`);
    }
    if (content.length < SEGMENT_MAGIC.length) return 'empty';

    let offset = SEGMENT_MAGIC.length;
    let records = 0;
    let cutReason: string | undefined;
    let cursor: { offset: number; recordIndex: number } | undefined;
    while (offset < content.length) {
      if (cursor === undefined && cursorOffset !== undefined && offset >= cursorOffset) cursor = { offset, recordIndex: records };
      const found = readRecord(content, offset);
      if (found.kind !== 'record') {
        cutReason = found.kind === 'corrupt' ? found.reason : 'torn record at the end';
        break;
      }
      offset = found.end;
      records++;
    }
    if (cursor === undefined && cursorOffset !== undefined) cursor = { offset, recordIndex: records };
    if (cursor && cursorOffset !== undefined && cursor.offset !== cursorOffset) {
      logger.error({ file, storedOffset: cursorOffset, usedOffset: cursor.offset }, 'spool-cursor-not-on-record');
    }
    const cutBytes = content.length - offset;
    if (cutBytes > 0) {
      await handle.truncate(offset);
      await handle.datasync();
    }
    return {
      size: offset,
      records,
      cutBytes,
      cutReason,
      cursorOffset: cursor?.offset ?? SEGMENT_MAGIC.length,
      cursorRecordIndex: cursor?.recordIndex ?? 0,
    };
  } finally {
    await handle.close();
  }
}

async function readCursor(directory: string, logger: Logger): Promise<{ segment: number; offset: number } | undefined> {
  let text: string;
  try {
    const handle = await open(path.join(directory, CURSOR_FILE), 'r');
    try {
      text = (await handle.readFile()).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { segment?: unknown; offset?: unknown };
    if (Number.isSafeInteger(parsed.segment) && Number.isSafeInteger(parsed.offset)) {
      return { segment: parsed.segment as number, offset: parsed.offset as number };
    }
  } catch {
    // Reported below.
  }
  // Starting from the first segment replays events rather than losing any.
  logger.error({ directory }, 'spool-cursor-unreadable');
  return undefined;
}

async function writeCursor(directory: string, cursor: SpoolPosition): Promise<void> {
  const temporary = path.join(directory, `${CURSOR_FILE}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify({ segment: cursor.segment, offset: cursor.offset }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path.join(directory, CURSOR_FILE));
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
