import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DurableSpool, type DurableSpoolOptions } from './durable-spool';
import type { EncodedEvent } from './switchyard-event';
import { EVENT_TYPE_HEADER, TOPICS } from './topics';
import { capturingLogger } from './__fixtures__/sample-events';

function event(index: number, valueBytes = 32): EncodedEvent {
  const value = Buffer.alloc(valueBytes, index % 251);
  value.writeUInt32BE(index, 0);
  return {
    topic: index % 2 === 0 ? TOPICS.requestCompleted : TOPICS.costRecorded,
    key: `workspace-${index % 3}:request-${index}`,
    value,
    headers: { [EVENT_TYPE_HEADER]: 'switchyard.events.v1.RequestCompleted', 'x-index': String(index) },
  };
}

const indexOf = (encoded: EncodedEvent): number => Buffer.from(encoded.value).readUInt32BE(0);

let directory: string;
const { logger, lines } = capturingLogger();
const open = (options: Partial<DurableSpoolOptions> = {}) => DurableSpool.open({ directory, logger, ...options });

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'switchyard-spool-'));
  lines.length = 0;
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const segmentFiles = async () => (await readdir(directory)).filter((name) => name.startsWith('segment-')).sort();

describe('DurableSpool', () => {
  it('returns appended events in order, byte for byte, and forgets them once committed', async () => {
    const spool = await open();
    expect(await spool.append([event(0), event(1), event(2)])).toBe(3);
    expect(await spool.append([event(3), event(4)])).toBe(2);
    expect(spool.pendingEvents).toBe(5);

    const first = await spool.read(3);
    expect(first.events).toEqual([event(0), event(1), event(2)].map((item) => ({ ...item, value: Buffer.from(item.value) })));
    // Reading does not move the cursor: the same events come back until committed.
    expect((await spool.read(3)).events.map(indexOf)).toEqual([0, 1, 2]);

    await spool.commit(first);
    expect(spool.pendingEvents).toBe(2);
    const second = await spool.read(100);
    expect(second.events.map(indexOf)).toEqual([3, 4]);
    await spool.commit(second);

    expect(spool.pendingEvents).toBe(0);
    expect((await spool.read(100)).events).toEqual([]);
    // Wholly read: no segment is left on disk.
    expect(await segmentFiles()).toEqual([]);
    expect(spool.sizeBytes).toBe(0);
    await spool.close();
  });

  it('refuses to commit a batch twice', async () => {
    const spool = await open();
    await spool.append([event(0), event(1)]);
    const batch = await spool.read(1);
    await spool.commit(batch);
    await expect(spool.commit(batch)).rejects.toThrow('does not start at the spool cursor');
    expect((await spool.read(10)).events.map(indexOf)).toEqual([1]);
    await spool.close();
  });

  it('keeps the cursor across a reopen: only what was not committed comes back', async () => {
    const spool = await open();
    await spool.append(Array.from({ length: 10 }, (_, index) => event(index)));
    await spool.commit(await spool.read(4));
    await spool.close();

    const reopened = await open();
    expect(reopened.pendingEvents).toBe(6);
    expect((await reopened.read(100)).events.map(indexOf)).toEqual([4, 5, 6, 7, 8, 9]);
    // New events go behind the old ones.
    await reopened.append([event(10)]);
    expect((await reopened.read(100)).events.map(indexOf)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    await reopened.close();
  });

  it('replays events appended by a process that never closed the spool (a crash)', async () => {
    const crashed = await open();
    await crashed.append([event(0), event(1), event(2)]);
    await crashed.commit(await crashed.read(1));
    // No close: the next open must work from what reached the disk.
    const next = await open();
    expect((await next.read(100)).events.map(indexOf)).toEqual([1, 2]);
    await next.close();
    await crashed.close();
  });

  it('rotates segments at the size limit, reads across them, and deletes each once wholly read', async () => {
    // Each record is 345 bytes (8 frame + 337 payload): three fit in a segment after its 8-byte header.
    const spool = await open({ segmentMaxBytes: 1100 });
    await spool.append(Array.from({ length: 10 }, (_, index) => event(index, 200)));
    const files = await segmentFiles();
    expect(files.length).toBe(4);
    for (const file of files) expect((await stat(path.join(directory, file))).size).toBeLessThanOrEqual(1100);
    expect(spool.sizeBytes).toBe((await Promise.all(files.map((file) => stat(path.join(directory, file))))).reduce((sum, { size }) => sum + size, 0));

    // A read crosses segment boundaries.
    const batch = await spool.read(5);
    expect(batch.events.map(indexOf)).toEqual([0, 1, 2, 3, 4]);
    await spool.commit(batch);
    // The first segment (events 0–2) is wholly behind the cursor and gone; the second is half read and kept.
    expect(await segmentFiles()).toEqual(files.slice(1));

    await spool.close();
    const reopened = await open({ segmentMaxBytes: 1100 });
    expect((await reopened.read(100)).events.map(indexOf)).toEqual([5, 6, 7, 8, 9]);
    await reopened.close();
  });

  it('refuses events past the maximum size, taking a prefix so order holds, and takes more once space is freed', async () => {
    const spool = await open({ maxBytes: 2048, segmentMaxBytes: 1024 });
    const appended = await spool.append(Array.from({ length: 20 }, (_, index) => event(index, 200)));
    expect(appended).toBeGreaterThan(0);
    expect(appended).toBeLessThan(20);
    expect(spool.sizeBytes).toBeLessThanOrEqual(2048);
    expect(await spool.append([event(99, 200)])).toBe(0);

    await spool.commit(await spool.read(appended));
    expect(await spool.append([event(100, 200)])).toBe(1);
    expect((await spool.read(100)).events.map(indexOf)).toEqual([100]);
    await spool.close();
  });

  it('cuts off a torn record at the end of a segment instead of replaying it', async () => {
    const spool = await open();
    await spool.append([event(0), event(1), event(2)]);
    await spool.close();
    const [file] = await segmentFiles();
    const fullSize = (await stat(path.join(directory, file))).size;
    // A crash in the middle of writing the last record.
    await truncate(path.join(directory, file), fullSize - 10);

    const reopened = await open();
    expect(reopened.pendingEvents).toBe(2);
    expect((await reopened.read(100)).events.map(indexOf)).toEqual([0, 1]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'spool-tail-cut', level: 40 }));
    // The file was truncated to the last good record, so new records follow it cleanly.
    await reopened.append([event(3)]);
    await reopened.close();
    const again = await open();
    expect((await again.read(100)).events.map(indexOf)).toEqual([0, 1, 3]);
    await again.close();
  });

  it('cuts off garbage written after the last record', async () => {
    const spool = await open();
    await spool.append([event(0), event(1)]);
    await spool.close();
    const [file] = await segmentFiles();
    const goodSize = (await stat(path.join(directory, file))).size;

    // A plausible length followed by bytes whose checksum does not match.
    const garbage = Buffer.alloc(64, 0xab);
    garbage.writeUInt32BE(40, 0);
    await appendFile(path.join(directory, file), garbage);

    const reopened = await open();
    expect((await reopened.read(100)).events.map(indexOf)).toEqual([0, 1]);
    expect((await stat(path.join(directory, file))).size).toBe(goodSize);
    await reopened.close();
  });

  it('detects a flipped byte inside a record by its checksum', async () => {
    const spool = await open();
    await spool.append([event(0), event(1), event(2)]);
    await spool.close();
    const [file] = await segmentFiles();
    const content = await readFile(path.join(directory, file));
    // Corrupt the last byte of the file: the value of the third record.
    content[content.length - 1] ^= 0xff;
    await writeFile(path.join(directory, file), content);

    const reopened = await open();
    expect((await reopened.read(100)).events.map(indexOf)).toEqual([0, 1]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'spool-tail-cut', reason: 'checksum mismatch' }));
    await reopened.close();
  });

  it('drops a segment whose header never reached the disk', async () => {
    await writeFile(path.join(directory, `segment-${'1'.padStart(20, '0')}.log`), Buffer.from('SWSP'));
    const spool = await open();
    expect(spool.pendingEvents).toBe(0);
    expect(await segmentFiles()).toEqual([]);
    await spool.append([event(0)]);
    expect((await spool.read(10)).events.map(indexOf)).toEqual([0]);
    await spool.close();
  });

  it('refuses a directory holding a file of another format', async () => {
    await writeFile(path.join(directory, `segment-${'1'.padStart(20, '0')}.log`), Buffer.from('not a spool segment'));
    await expect(open()).rejects.toThrow('is not a spool segment of this format');
  });

  it('starts from the first segment when the cursor file is unreadable (replays rather than loses)', async () => {
    const spool = await open();
    await spool.append([event(0), event(1)]);
    await spool.commit(await spool.read(1));
    await spool.close();
    await writeFile(path.join(directory, 'cursor.json'), '{"segm');

    const reopened = await open();
    expect((await reopened.read(10)).events.map(indexOf)).toEqual([0, 1]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'spool-cursor-unreadable', level: 50 }));
    await reopened.close();
  });

  it('numbers new segments after the cursor once everything was read, so an old cursor never points into them', async () => {
    const spool = await open();
    await spool.append([event(0), event(1)]);
    await spool.commit(await spool.read(1));
    await spool.commit(await spool.read(1));
    expect(await segmentFiles()).toEqual([]);
    await spool.append([event(2)]);
    await spool.close();

    const reopened = await open();
    expect((await reopened.read(10)).events.map(indexOf)).toEqual([2]);
    await reopened.close();
  });

  it('keeps order over many appends, reads and reopens', async () => {
    let spool = await open({ segmentMaxBytes: 4096 });
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 20; round++) {
      const count = 1 + ((round * 7) % 13);
      await spool.append(Array.from({ length: count }, () => event(next++, 50)));
      const batch = await spool.read(1 + ((round * 5) % 9));
      seen.push(...batch.events.map(indexOf));
      await spool.commit(batch);
      if (round % 6 === 5) {
        await spool.close();
        spool = await open({ segmentMaxBytes: 4096 });
      }
    }
    for (;;) {
      const batch = await spool.read(7);
      if (batch.events.length === 0) break;
      seen.push(...batch.events.map(indexOf));
      await spool.commit(batch);
    }
    expect(seen).toEqual(Array.from({ length: next }, (_, index) => index));
    expect(await segmentFiles()).toEqual([]);
    await spool.close();
  });
});
