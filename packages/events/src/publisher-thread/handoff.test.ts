import { MessageChannel } from 'node:worker_threads';
import { sampleEvents } from '../__fixtures__/sample-events';
import { encodeEvent, type EncodedEvent } from '../switchyard-event';
import { HandoffBuffer, unpackEvents } from './handoff';

function encodedRun(count: number): EncodedEvent[] {
  return sampleEvents('handoff', count).map(encodeEvent);
}

/** Sends `bytes` through a real MessageChannel, transferring it, and returns what arrives. */
async function transferred(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  const { port1, port2 } = new MessageChannel();
  try {
    const arrived = new Promise<ArrayBuffer>((resolve) => port2.once('message', resolve));
    port1.postMessage(bytes, [bytes]);
    return await arrived;
  } finally {
    port1.close();
    port2.close();
  }
}

describe('HandoffBuffer', () => {
  it('hands over events that come out equal, in order, after a transfer to another port', async () => {
    const events = encodedRun(300);
    const buffer = new HandoffBuffer();
    for (const event of events) buffer.add(event);
    expect(buffer.length).toBe(300);

    const bytes = buffer.take();
    expect(buffer.length).toBe(0);
    const received = unpackEvents(await transferred(bytes));
    // The sender's copy is gone: it was moved, not cloned.
    expect(bytes.byteLength).toBe(0);
    expect(received).toHaveLength(300);
    received.forEach((event, index) => {
      expect(event.topic).toBe(events[index].topic);
      expect(event.key).toBe(events[index].key);
      expect(event.headers).toEqual(events[index].headers);
      expect(Buffer.from(event.value).equals(Buffer.from(events[index].value))).toBe(true);
    });
  });

  it("owns the memory it transfers: small buffers from Node's shared pool stay usable afterwards", async () => {
    const buffer = new HandoffBuffer();
    buffer.add(encodedRun(1)[0]);
    const neighbour = Buffer.from('allocated from the pool');
    const bytes = buffer.take();
    expect(bytes.byteLength).toBeLessThan(Buffer.poolSize);
    expect(bytes).not.toBe(neighbour.buffer);
    await transferred(bytes);
    expect(neighbour.toString()).toBe('allocated from the pool');
    expect(Buffer.from('still allocatable').toString()).toBe('still allocatable');
  });

  it('starts empty again after a take, and an empty take unpacks to no events', () => {
    const buffer = new HandoffBuffer();
    expect(unpackEvents(buffer.take())).toEqual([]);
    for (const event of encodedRun(3)) buffer.add(event);
    buffer.take();
    buffer.add(encodedRun(5)[4]);
    const [only, ...rest] = unpackEvents(buffer.take());
    expect(rest).toEqual([]);
    expect(only.key).toBe(encodedRun(5)[4].key);
  });

  it('refuses, when added, an event no record can frame', () => {
    const buffer = new HandoffBuffer();
    const [event] = encodedRun(1);
    expect(() => buffer.add({ ...event, key: 'k'.repeat(70_000) })).toThrow(RangeError);
    expect(buffer.length).toBe(0);
  });

  it('says where handed-over bytes are damaged or cut short', () => {
    const buffer = new HandoffBuffer();
    for (const event of encodedRun(2)) buffer.add(event);
    const bytes = Buffer.from(buffer.take());
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 1] ^= 0xff;
    expect(() => unpackEvents(new Uint8Array(damaged).buffer)).toThrow(/damaged at byte \d+: checksum mismatch/);
    const cut = new Uint8Array(bytes.subarray(0, bytes.length - 3)).buffer;
    expect(() => unpackEvents(cut)).toThrow(/cut short/);
  });
});
