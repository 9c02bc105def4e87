import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { KAFKA_BROKERS, freePort, requireKafka, startDedicatedKafka, type DedicatedKafka } from '../../../test/support/infrastructure';
import { ensureTopics } from './ensure-topics';
import { KafkaEventPublisher, type KafkaEventPublisherOptions } from './kafka-event-publisher';
import type { EventPublisher } from './event-publisher';
import { KafkaEventPublisherThread } from './publisher-thread/kafka-event-publisher-thread';
import { EventPublisherMetrics } from './publisher-metrics';
import { decodeEvent, type SwitchyardEvent } from './switchyard-event';
import { ALL_TOPICS, EVENT_TYPE_HEADER, eventKey } from './topics';
import { capturingLogger, eventIdOf, metricValue, sampleEvents, waitFor } from './__fixtures__/sample-events';

interface ReadMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  headers: Record<string, string>;
  item: SwitchyardEvent;
}

/**
 * Every message of the event topics from the beginning, read by a fresh
 * consumer group up to the high watermark each partition had when called,
 * keeping those whose event id starts with `<run>-`.
 */
async function readRun(brokers: string[], run: string, topicPrefix = ''): Promise<ReadMessage[]> {
  const topics = ALL_TOPICS.map((topic) => topicPrefix + topic);
  const kafka = new Kafka({ clientId: 'events-test-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, number>();
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (Number(high) > Number(low)) remaining.set(`${topic}/${partition}`, Number(high));
    }
  }
  await admin.disconnect();

  const consumer = kafka.consumer({ groupId: `events-test-${randomUUID()}` });
  const messages: ReadMessage[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  if (remaining.size === 0) finish();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const item = decodeEvent(topic.slice(topicPrefix.length), message.value!);
        if (item.event.eventId.startsWith(`${run}-`)) {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
          messages.push({ topic: topic.slice(topicPrefix.length), partition, offset: Number(message.offset), key: message.key!.toString('utf8'), headers, item });
        }
        const slot = `${topic}/${partition}`;
        if (remaining.has(slot) && Number(message.offset) + 1 >= remaining.get(slot)!) {
          remaining.delete(slot);
          if (remaining.size === 0) finish();
        }
      },
    });
    await Promise.race([
      finished,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`Read ${messages.length} messages of ${run}; partitions not read to the end: ${[...remaining.keys()].join(', ')}`)), 30_000).unref()),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The event ids read, in offset order within each topic (each topic has one partition where order is checked). */
function idsByTopic(messages: ReadMessage[]): Record<string, string[]> {
  const byTopic: Record<string, string[]> = {};
  for (const message of [...messages].sort((a, b) => a.offset - b.offset)) (byTopic[message.topic] ??= []).push(eventIdOf(message.item));
  return byTopic;
}

function expectedByTopic(events: SwitchyardEvent[]): Record<string, string[]> {
  const byTopic: Record<string, string[]> = {};
  for (const item of events) {
    const topic = item.kind === 'request-completed' ? ALL_TOPICS[0] : ALL_TOPICS[1];
    (byTopic[topic] ??= []).push(eventIdOf(item));
  }
  return byTopic;
}

const temporaryDirectories: string[] = [];
async function spoolDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'switchyard-publisher-spool-'));
  temporaryDirectories.push(directory);
  return directory;
}

afterAll(async () => {
  await Promise.all(temporaryDirectories.map((directory) => rm(directory, { recursive: true, force: true })));
});

function publisherOptions(overrides: Partial<KafkaEventPublisherOptions> & Pick<KafkaEventPublisherOptions, 'brokers' | 'spoolDirectory'>) {
  const { logger, lines } = capturingLogger();
  const registry = new Registry();
  const metrics = new EventPublisherMetrics(registry);
  const options: KafkaEventPublisherOptions = { logger, metrics, sendTimeoutMs: 3_000, retryInitialMs: 200, retryMaxMs: 1_000, ...overrides };
  return { options, registry, lines };
}

/** Both publishers keep the same promises; the thread runs the other on a thread of its own. */
const PUBLISHERS: Array<[string, (options: KafkaEventPublisherOptions) => Promise<EventPublisher>]> = [
  ['KafkaEventPublisher', (options) => KafkaEventPublisher.start(options)],
  ['KafkaEventPublisherThread', (options) => KafkaEventPublisherThread.start(options)],
];

describe.each(PUBLISHERS)('%s against the shared broker', (_name, start) => {
  beforeAll(async () => {
    await requireKafka();
    await ensureTopics(KAFKA_BROKERS);
  }, 60_000);

  it('delivers events with the workspace:requestId key and the type header; they decode back equal, in order per partition', async () => {
    const run = `shared-${randomUUID()}`;
    const { options, registry } = publisherOptions({ brokers: KAFKA_BROKERS, spoolDirectory: await spoolDirectory() });
    const publisher = await start(options);
    const events = sampleEvents(run, 200);
    for (const item of events) publisher.publish(item);
    await publisher.close();

    expect(await metricValue(registry, 'switchyard_events_spooled_total')).toBe(0);
    expect(await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })).toBe(100);
    expect(await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[1] })).toBe(100);

    const messages = await readRun(KAFKA_BROKERS, run);
    expect(messages).toHaveLength(200);
    const published = new Map(events.map((item) => [eventIdOf(item), item]));
    for (const message of messages) {
      const original = published.get(eventIdOf(message.item))!;
      expect(message.item).toEqual(original);
      expect(message.key).toBe(eventKey(original.event.workspace, original.event.requestId));
      expect(message.headers[EVENT_TYPE_HEADER]).toBe(original.event.$typeName);
    }
    // Kafka orders within a partition: there, offsets follow publish order.
    const position = new Map(events.map((item, index) => [eventIdOf(item), index]));
    const partitions = new Map<string, ReadMessage[]>();
    for (const message of messages) partitions.set(`${message.topic}/${message.partition}`, [...(partitions.get(`${message.topic}/${message.partition}`) ?? []), message]);
    for (const inPartition of partitions.values()) {
      const byOffset = [...inPartition].sort((a, b) => a.offset - b.offset).map((message) => position.get(eventIdOf(message.item))!);
      expect(byOffset).toEqual([...byOffset].sort((a, b) => a - b));
    }
  }, 90_000);

  it('creates its topics when they do not exist yet, and delivers without spooling', async () => {
    const run = `fresh-${randomUUID()}`;
    const topicPrefix = `${run}.`;
    const { options, registry } = publisherOptions({ brokers: KAFKA_BROKERS, spoolDirectory: await spoolDirectory(), topicPrefix });
    const publisher = await start(options);
    const events = sampleEvents(run, 20);
    for (const item of events) publisher.publish(item);
    await publisher.close();
    expect(await metricValue(registry, 'switchyard_events_spooled_total')).toBe(0);
    // The broker's default of several partitions: compare the sets (order per partition is tested above).
    const sorted = (byTopic: Record<string, string[]>) => Object.fromEntries(Object.entries(byTopic).map(([topic, ids]) => [topic, [...ids].sort()]));
    expect(sorted(idsByTopic(await readRun(KAFKA_BROKERS, run, topicPrefix)))).toEqual(sorted(expectedByTopic(events)));
  }, 90_000);

  it('replays, on start, the spool a publisher left when closed while Kafka was unreachable; new events wait behind it', async () => {
    const run = `replay-${randomUUID()}`;
    const topicPrefix = `${run}.`;
    await ensureTopics(KAFKA_BROKERS, ALL_TOPICS.map((topic) => topicPrefix + topic), { numPartitions: 1 });
    const directory = await spoolDirectory();
    // Nothing listens on this port: the first publisher can only spool.
    const unreachable = publisherOptions({ brokers: [`127.0.0.1:${await freePort()}`], spoolDirectory: directory, topicPrefix, sendTimeoutMs: 1_000, closeTimeoutMs: 500 });
    const first = await start(unreachable.options);
    const spooled = sampleEvents(run, 1_000);
    for (const item of spooled) first.publish(item);
    await first.close();
    expect(await metricValue(unreachable.registry, 'switchyard_events_spooled_total')).toBe(1_000);
    expect(await metricValue(unreachable.registry, 'switchyard_events_dropped_total', { reason: 'closed' })).toBe(0);
    expect(unreachable.lines).toContainEqual(expect.objectContaining({ msg: 'kafka-unreachable', level: 40 }));
    expect(unreachable.lines).toContainEqual(expect.objectContaining({ msg: 'event-publisher-closed', eventsLeftInSpool: 1_000 }));

    // Small replay batches make the replay take a while; events published meanwhile must not overtake it.
    const reachable = publisherOptions({ brokers: KAFKA_BROKERS, spoolDirectory: directory, topicPrefix, batchMaxEvents: 50 });
    const second = await start(reachable.options);
    expect(reachable.lines).toContainEqual(expect.objectContaining({ msg: 'spool-replay-pending', events: 1_000 }));
    const fresh = sampleEvents(run, 100, 1_000);
    for (let start = 0; start < fresh.length; start += 5) {
      for (const item of fresh.slice(start, start + 5)) second.publish(item);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(async () => (await metricValue(reachable.registry, 'switchyard_events_replayed_total')) >= 1_000, 30_000, 'the replay');
    await second.close();
    expect(await metricValue(reachable.registry, 'switchyard_events_spool_bytes')).toBe(0);
    expect((await readdir(directory)).filter((name) => name.startsWith('segment-'))).toEqual([]);

    const messages = await readRun(KAFKA_BROKERS, run, topicPrefix);
    expect(idsByTopic(messages)).toEqual(expectedByTopic([...spooled, ...fresh]));
  }, 90_000);

  it('spills to the spool when the queue is full, and still delivers every event once, in order', async () => {
    const run = `spill-${randomUUID()}`;
    // Topics of this test's own, with one partition each, so the order of the whole run can be checked.
    const topicPrefix = `${run}.`;
    await ensureTopics(KAFKA_BROKERS, ALL_TOPICS.map((topic) => topicPrefix + topic), { numPartitions: 1 });
    const { options, registry, lines } = publisherOptions({ brokers: KAFKA_BROKERS, spoolDirectory: await spoolDirectory(), queueCapacity: 20, topicPrefix });
    const publisher = await start(options);
    const [first, ...rest] = sampleEvents(run, 301);
    publisher.publish(first);
    await waitFor(async () => (await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })) === 1, 20_000, 'the first event');

    // Bursts of 25, more than the queue holds (20): each one fills it, and the publisher writes the queue
    // to disk instead of waiting on Kafka. (Within one burst nothing can run between the calls, so a burst
    // past twice the capacity would be dropped; these stay under it.)
    for (let start = 0; start < rest.length; start += 25) {
      for (const item of rest.slice(start, start + 25)) publisher.publish(item);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await publisher.close();

    const spooled = await metricValue(registry, 'switchyard_events_spooled_total');
    expect(spooled).toBeGreaterThanOrEqual(25);
    expect(await metricValue(registry, 'switchyard_events_replayed_total')).toBe(spooled);
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'queue_full' })).toBe(0);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'spool-drained' }));

    expect(await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })).toBe(151);

    const messages = await readRun(KAFKA_BROKERS, run, topicPrefix);
    expect(idsByTopic(messages)).toEqual(expectedByTopic([first, ...rest]));
  }, 60_000);

  it('drops what does not fit in a full spool, counting it and logging at error level', async () => {
    const run = `full-${randomUUID()}`;
    const { options, registry, lines } = publisherOptions({
      brokers: [`127.0.0.1:${await freePort()}`],
      spoolDirectory: await spoolDirectory(),
      spoolMaxBytes: 20_000,
      spoolSegmentMaxBytes: 10_000,
      sendTimeoutMs: 1_000,
      closeTimeoutMs: 200,
    });
    const publisher = await start(options);
    for (const item of sampleEvents(run, 500)) publisher.publish(item);
    await publisher.close();
    const spooled = await metricValue(registry, 'switchyard_events_spooled_total');
    const dropped = await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'spool_full' });
    expect(spooled).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    expect(spooled + dropped).toBe(500);
    expect(await metricValue(registry, 'switchyard_events_spool_bytes')).toBeLessThanOrEqual(20_000);
    const logged = lines.filter((line) => line.msg === 'events-dropped' && line.reason === 'spool_full');
    expect(logged.every((line) => line.level === 50)).toBe(true);
    expect(logged.reduce((sum, line) => sum + (line.dropped as number), 0)).toBe(dropped);
  }, 60_000);
});

describe('The Kafka publishers while their broker goes down and comes back', () => {
  let kafka: DedicatedKafka;

  beforeAll(async () => {
    kafka = await startDedicatedKafka();
    // One partition per topic, so the order of the whole run can be checked.
    await ensureTopics(kafka.brokers, ALL_TOPICS, { numPartitions: 1 });
  }, 120_000);

  afterAll(async () => {
    await kafka?.destroy();
  }, 60_000);

  it.each(PUBLISHERS)('%s spools 1,000 events published while the broker is down, without waiting on it, and delivers each once, in order, when it returns', async (name, start) => {
    const run = `outage-${randomUUID()}`;
    const { options, registry, lines } = publisherOptions({ brokers: kafka.brokers, spoolDirectory: await spoolDirectory() });
    const publisher = await start(options);
    const before = sampleEvents(run, 10);
    const during = sampleEvents(run, 1_000, 10);
    const after = sampleEvents(run, 100, 1_010);

    for (const item of before) publisher.publish(item);
    await waitFor(async () => (await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })) === 5, 20_000, 'the first events');

    const stopStarted = Date.now();
    await kafka.stop();
    const stopMs = Date.now() - stopStarted;

    const publishStarted = performance.now();
    for (const item of during) publisher.publish(item);
    const publishMs = performance.now() - publishStarted;
    // publish() only encodes and queues. Waiting on the broker even once would take a connection
    // timeout (1 s) or a send timeout (3 s); encoding a thousand events takes about 150 ms under jest.
    expect(publishMs).toBeLessThan(500);

    const spoolStarted = Date.now();
    await waitFor(async () => (await metricValue(registry, 'switchyard_events_spooled_total')) === 1_000, 20_000, 'the events to be spooled');
    const spoolMs = Date.now() - spoolStarted;
    expect(await metricValue(registry, 'switchyard_events_spool_bytes')).toBeGreaterThan(0);
    expect(await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })).toBe(5);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'kafka-unreachable', level: 40 }));

    const startStarted = Date.now();
    await kafka.start();
    const startMs = Date.now() - startStarted;
    // Published while the spool is still being replayed: they must queue up behind it.
    for (const item of after) publisher.publish(item);

    const replayStarted = Date.now();
    await waitFor(async () => (await metricValue(registry, 'switchyard_events_replayed_total')) >= 1_000, 60_000, 'the replay');
    await publisher.close();
    const replayMs = Date.now() - replayStarted;
    expect(await metricValue(registry, 'switchyard_events_spool_bytes')).toBe(0);
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'spool_full' })).toBe(0);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'kafka-reconnected', level: 30 }));

    const messages = await readRun(kafka.brokers, run);
    const all = [...before, ...during, ...after];
    // Exactly once each, and in publish order on each topic.
    expect(idsByTopic(messages)).toEqual(expectedByTopic(all));
    console.info(`outage test (${name}): broker stop ${stopMs} ms, 1,000 publishes ${publishMs.toFixed(1)} ms, spooled within ${spoolMs} ms, broker start ${startMs} ms, replay ${replayMs} ms`);
  }, 180_000);
});

describe('KafkaEventPublisherThread, when its thread fails', () => {
  it('counts the events the failed thread held as dropped, logs it, and starts a new thread that takes what follows', async () => {
    const run = `thread-${randomUUID()}`;
    // Nothing listens on this port: events wait for the first connection attempt (1 s) before they are spooled.
    const { options, registry, lines } = publisherOptions({ brokers: [`127.0.0.1:${await freePort()}`], spoolDirectory: await spoolDirectory(), sendTimeoutMs: 1_000, closeTimeoutMs: 200 });
    const publisher = await KafkaEventPublisherThread.start({ ...options, restartInitialMs: 50 });
    for (const item of sampleEvents(run, 100)) publisher.publish(item);
    await new Promise((resolve) => setImmediate(resolve));
    // The thread ends abruptly, as an uncaught error in it would end it.
    await (publisher as unknown as { worker: Worker }).worker.terminate();
    await waitFor(() => lines.some((line) => line.msg === 'event-publisher-thread-stopped'), 5_000, 'the stop to be noticed');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'event-publisher-thread-stopped', level: 50, eventsLost: 100 }));
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'publisher_thread_failed' })).toBe(100);

    // Published while the new thread starts, and after: all of them reach the new thread (and, Kafka being unreachable, its spool).
    for (const item of sampleEvents(run, 10, 100)) publisher.publish(item);
    await waitFor(() => lines.some((line) => line.msg === 'event-publisher-thread-restarted'), 10_000, 'a new thread');
    for (const item of sampleEvents(run, 10, 110)) publisher.publish(item);
    await publisher.close();
    expect(await metricValue(registry, 'switchyard_events_spooled_total')).toBe(20);
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'publisher_thread_failed' })).toBe(100);
    publisher.publish(sampleEvents(run, 1, 200)[0]);
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'closed' })).toBe(1);
  }, 30_000);

  it('rejects at start, with the reason, when its spool cannot be opened', async () => {
    const directory = await spoolDirectory();
    const file = path.join(directory, 'a-file');
    await writeFile(file, 'not a directory');
    const { options } = publisherOptions({ brokers: KAFKA_BROKERS, spoolDirectory: path.join(file, 'spool') });
    await expect(KafkaEventPublisherThread.start(options)).rejects.toThrow(/ENOTDIR|not a directory/);
  });
});
