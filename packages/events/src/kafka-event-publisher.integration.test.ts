import { randomBytes, randomUUID } from 'node:crypto';
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
import { ALL_TOPICS, DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC, EVENT_TYPE_HEADER, eventKey } from './topics';
import { capturingLogger, eventIdOf, metricValue, sampleEvents, waitFor } from './__fixtures__/sample-events';
import { startSilentBroker, type SilentBroker } from './__fixtures__/silent-broker';

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
          messages.push({
            topic: topic.slice(topicPrefix.length),
            partition,
            offset: Number(message.offset),
            key: message.key!.toString('utf8'),
            headers,
            item,
          });
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
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`Read ${messages.length} messages of ${run}; partitions not read to the end: ${[...remaining.keys()].join(', ')}`)),
          30_000,
        ).unref(),
      ),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The first `count` messages of the dead-letter topic, as they are. */
async function readDeadLetters(topic: string, count: number) {
  const consumer = new Kafka({ clientId: 'events-test-reader', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).consumer({
    groupId: `events-test-${randomUUID()}`,
  });
  const messages: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        messages.push({ key: String(message.key), value: message.value!, headers });
        if (messages.length >= count) finish();
      },
    });
    await Promise.race([
      finished,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`Read ${messages.length} of ${count} dead letters`)), 30_000).unref()),
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

/**
 * Every publisher a test starts is closed after it, even when an assertion
 * failed before the test's own close: a publisher left open keeps its
 * thread, sockets and timers, and jest would never exit.
 */
const startedPublishers: EventPublisher[] = [];
function started<T extends EventPublisher>(publisher: T): T {
  startedPublishers.push(publisher);
  return publisher;
}

afterEach(async () => {
  await Promise.all(startedPublishers.splice(0).map((publisher) => publisher.close()));
}, 30_000);

/**
 * Events the publisher is done with: sent to Kafka, written to the spool or dropped (a replayed event
 * was counted when spooled). While a replayed batch is sent and not yet counted as replayed, this
 * counts it twice: it can run ahead of the truth by one batch (`batchMaxEvents`) at most.
 */
async function eventsAccountedFor(registry: Registry): Promise<number> {
  const dropped = (await registry.getSingleMetric('switchyard_events_dropped_total')!.get()).values.reduce((sum, series) => sum + series.value, 0);
  const accounted =
    (await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })) +
    (await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[1] })) +
    (await metricValue(registry, 'switchyard_events_spooled_total')) +
    dropped -
    (await metricValue(registry, 'switchyard_events_replayed_total'));
  return accounted;
}

function publisherOptions(overrides: Partial<KafkaEventPublisherOptions> & Pick<KafkaEventPublisherOptions, 'brokers' | 'spoolDirectory'>) {
  const { logger, lines } = capturingLogger();
  const registry = new Registry();
  const metrics = new EventPublisherMetrics(registry);
  const options: KafkaEventPublisherOptions = { logger, metrics, sendTimeoutMs: 3_000, retryInitialMs: 200, retryMaxMs: 1_000, ...overrides };
  return { options, registry, lines };
}

/** Both publishers keep the same promises; the thread runs the other on a thread of its own. */
const PUBLISHERS: Array<[string, (options: KafkaEventPublisherOptions) => Promise<EventPublisher>]> = [
  ['KafkaEventPublisher', async (options) => started(await KafkaEventPublisher.start(options))],
  ['KafkaEventPublisherThread', async (options) => started(await KafkaEventPublisherThread.start(options))],
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
    for (const message of messages)
      partitions.set(`${message.topic}/${message.partition}`, [...(partitions.get(`${message.topic}/${message.partition}`) ?? []), message]);
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
    await ensureTopics(
      KAFKA_BROKERS,
      ALL_TOPICS.map((topic) => topicPrefix + topic),
      { numPartitions: 1 },
    );
    const directory = await spoolDirectory();
    // Nothing listens on this port: the first publisher can only spool.
    const unreachable = publisherOptions({
      brokers: [`127.0.0.1:${await freePort()}`],
      spoolDirectory: directory,
      topicPrefix,
      sendTimeoutMs: 1_000,
      closeTimeoutMs: 500,
    });
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
    // Half before the replay can have sent anything (it starts with a connection, after this returns),
    // half once the first replayed batch is counted: both halves must reach Kafka after the spool.
    for (const item of fresh.slice(0, 50)) second.publish(item);
    await waitFor(async () => (await metricValue(reachable.registry, 'switchyard_events_replayed_total')) > 0, 30_000, 'the first replayed batch');
    for (const item of fresh.slice(50)) second.publish(item);
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
    await ensureTopics(
      KAFKA_BROKERS,
      ALL_TOPICS.map((topic) => topicPrefix + topic),
      { numPartitions: 1 },
    );
    // Batches of 10: the count of events done with (below) is then never more than 10 ahead of the truth.
    const { options, registry, lines } = publisherOptions({
      brokers: KAFKA_BROKERS,
      spoolDirectory: await spoolDirectory(),
      queueCapacity: 20,
      batchMaxEvents: 10,
      topicPrefix,
    });
    const publisher = await start(options);
    const [first, ...rest] = sampleEvents(run, 301);
    publisher.publish(first);
    await waitFor(
      async () => (await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })) === 1,
      20_000,
      'the first event',
    );

    // Bursts of 25, more than the queue holds (20): each one fills it, and the publisher writes the queue
    // to disk instead of waiting on Kafka. (Within one burst nothing can run between the calls, so a burst
    // past twice the capacity would be dropped; these stay under it: each burst waits until the ones
    // before are counted as sent or spooled, so at most 10 of them are still queued, and 10 + 25 < 40.)
    for (let start = 0; start < rest.length; start += 25) {
      for (const item of rest.slice(start, start + 25)) publisher.publish(item);
      const handed = 1 + start + 25;
      await waitFor(async () => (await eventsAccountedFor(registry)) >= handed, 20_000, `${handed} events sent or spooled`);
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

  it('dead-letters, during the replay, a record the topic refuses for good, and delivers the rest and what follows', async () => {
    const run = `refused-${randomUUID()}`;
    const topicPrefix = `${run}.`;
    const [requestTopic, costTopic] = ALL_TOPICS.map((topic) => topicPrefix + topic);
    // The request topic takes record batches of 20 kB at most (the broker's default is about 1 MB).
    const admin = new Kafka({ clientId: 'events-test-admin', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: requestTopic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '20000' }] },
          { topic: costTopic, numPartitions: 1 },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await ensureTopics(KAFKA_BROKERS, [requestTopic, costTopic]);

    // Spooled while Kafka is unreachable, the oversized record (incompressible, ~60 kB gzipped) in the middle.
    const directory = await spoolDirectory();
    const unreachable = publisherOptions({
      brokers: [`127.0.0.1:${await freePort()}`],
      spoolDirectory: directory,
      topicPrefix,
      sendTimeoutMs: 1_000,
      closeTimeoutMs: 500,
    });
    const first = await start(unreachable.options);
    const spooled = sampleEvents(run, 10);
    (spooled[4].event as { user: string }).user = randomBytes(45_000).toString('base64');
    for (const item of spooled) first.publish(item);
    await first.close();
    expect(await metricValue(unreachable.registry, 'switchyard_events_spooled_total')).toBe(10);

    const reachable = publisherOptions({ brokers: KAFKA_BROKERS, spoolDirectory: directory, topicPrefix });
    const second = await start(reachable.options);
    await waitFor(async () => (await metricValue(reachable.registry, 'switchyard_events_replayed_total')) >= 9, 30_000, 'the replay');
    // Published after the replay: not held up behind the refused record.
    const after = sampleEvents(run, 2, 10);
    for (const item of after) second.publish(item);
    await second.close();

    expect(await metricValue(reachable.registry, 'switchyard_events_dead_lettered_total', { reason: 'message_too_large', sink: 'kafka' })).toBe(1);
    expect(await metricValue(reachable.registry, 'switchyard_events_spool_bytes')).toBe(0);
    expect(reachable.lines).toContainEqual(expect.objectContaining({ msg: 'event-rejected', reason: 'message_too_large', deadLettered: true }));
    const delivered = new Set((await readRun(KAFKA_BROKERS, run, topicPrefix)).map((message) => eventIdOf(message.item)));
    const expected = [...spooled.filter((_, index) => index !== 4), ...after].map(eventIdOf);
    expect([...delivered].sort()).toEqual(expected.sort());

    const [deadLetter] = await readDeadLetters(topicPrefix + DEAD_LETTER_TOPIC, 1);
    expect(decodeEvent(ALL_TOPICS[0], deadLetter.value)).toEqual(spooled[4]);
    expect(deadLetter.key).toBe(eventKey(spooled[4].event.workspace, spooled[4].event.requestId));
    expect(deadLetter.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.cause]: 'message_too_large',
      [DEAD_LETTER_HEADERS.sink]: 'kafka',
      [DEAD_LETTER_HEADERS.sourceTopic]: requestTopic,
      [EVENT_TYPE_HEADER]: spooled[4].event.$typeName,
    });
  }, 90_000);

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

  // A test that failed while the broker was down leaves it down: the next test gets it back.
  let brokerDown = false;
  afterEach(async () => {
    if (brokerDown) await kafka.start();
    brokerDown = false;
  }, 120_000);

  it.each(PUBLISHERS)(
    '%s spools 1,000 events published while the broker is down, without waiting on it, and delivers each once, in order, when it returns',
    async (_name, start) => {
      const run = `outage-${randomUUID()}`;
      const { options, registry, lines } = publisherOptions({ brokers: kafka.brokers, spoolDirectory: await spoolDirectory() });
      const publisher = await start(options);
      const before = sampleEvents(run, 10);
      const during = sampleEvents(run, 1_000, 10);
      const after = sampleEvents(run, 100, 1_010);

      for (const item of before) publisher.publish(item);
      await waitFor(
        async () => (await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })) === 5,
        60_000,
        'the first events',
      );

      brokerDown = true;
      await kafka.stop();

      // publish() is synchronous: it only encodes and queues, so it cannot wait on the broker. (What it
      // costs is measured in bench/, not asserted here.)
      for (const item of during) publisher.publish(item);

      await waitFor(async () => (await metricValue(registry, 'switchyard_events_spooled_total')) === 1_000, 60_000, 'the events to be spooled');
      expect(await metricValue(registry, 'switchyard_events_spool_bytes')).toBeGreaterThan(0);
      expect(await metricValue(registry, 'switchyard_events_published_total', { topic: ALL_TOPICS[0] })).toBe(5);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'kafka-unreachable', level: 40 }));

      await kafka.start();
      brokerDown = false;
      // Published while the spool is still being replayed: they must queue up behind it.
      for (const item of after) publisher.publish(item);

      // The events published after the restart may have queued up in the spool behind the others: every
      // event is delivered (directly or replayed, each counted as published once Kafka acknowledged it)
      // before close, whose grace period (5 s) a slow broker restart could outlast. An empty spool alone
      // is not enough: under load it can be empty for a moment before the last events are spooled.
      const total = before.length + during.length + after.length;
      const delivered = async () => {
        let sum = 0;
        for (const topic of ALL_TOPICS) sum += await metricValue(registry, 'switchyard_events_published_total', { topic });
        return sum;
      };
      await waitFor(
        async () =>
          (await delivered()) >= total &&
          (await metricValue(registry, 'switchyard_events_replayed_total')) >= 1_000 &&
          (await metricValue(registry, 'switchyard_events_spool_bytes')) === 0,
        120_000,
        'the delivery of every event',
      );
      await publisher.close();
      expect(await metricValue(registry, 'switchyard_events_spool_bytes')).toBe(0);
      expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'spool_full' })).toBe(0);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'kafka-reconnected', level: 30 }));

      const messages = await readRun(kafka.brokers, run);
      const all = [...before, ...during, ...after];
      // Exactly once each, and in publish order on each topic.
      expect(idsByTopic(messages)).toEqual(expectedByTopic(all));
    },
    300_000,
  );
});

describe('KafkaEventPublisherThread, when its thread fails', () => {
  let broker: SilentBroker;

  beforeAll(async () => {
    broker = await startSilentBroker();
  });

  afterAll(async () => {
    await broker?.close();
  });

  it('counts the events the failed thread held as dropped, logs it, and starts a new thread that takes what follows', async () => {
    const run = `thread-${randomUUID()}`;
    // The broker accepts the connection and never answers: the thread's publisher stays in its first
    // connection attempt (sendTimeoutMs, far longer than the test), so it holds every event handed to it
    // and reports none sent or spooled until it is closed.
    const { options, registry, lines } = publisherOptions({
      brokers: [broker.address],
      spoolDirectory: await spoolDirectory(),
      sendTimeoutMs: 120_000,
      closeTimeoutMs: 200,
    });
    const publisher = started(await KafkaEventPublisherThread.start({ ...options, restartInitialMs: 50 }));
    const internals = publisher as unknown as { worker: Worker; pending: { length: number } };
    for (const item of sampleEvents(run, 100)) publisher.publish(item);
    // Handed over to the thread (after lingerMs): from here on the thread holds all 100.
    await waitFor(() => internals.pending.length === 0, 10_000, 'the events to be handed to the thread');
    // The thread ends abruptly, as an uncaught error in it would end it.
    await internals.worker.terminate();
    await waitFor(() => lines.some((line) => line.msg === 'event-publisher-thread-stopped'), 10_000, 'the stop to be noticed');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'event-publisher-thread-stopped', level: 50, eventsLost: 100 }));
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'publisher_thread_failed' })).toBe(100);

    // Published while the new thread starts, and after: all of them reach the new thread (and, Kafka never
    // answering, its spool when it closes).
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
