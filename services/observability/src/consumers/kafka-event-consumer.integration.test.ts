import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { TOPICS, encodeEvent, type EventSink, type SwitchyardEvent } from '@switchyard/events';
import { createLogger } from '@switchyard/shared';
import {
  INFLUX_DATABASE,
  INFLUX_URL,
  KAFKA_BROKERS,
  POSTGRES_URL,
  requireInflux,
  requireKafka,
  requirePostgres,
  startDedicatedPostgres,
} from '../../../../test/support/infrastructure';
import { InfluxEventWriter } from '../influx/influx-event-writer';
import { openEventDatabase, type EventDatabase } from '../storage/event-database';
import type { SqlExecutor } from '@switchyard/database';
import {
  committedOffsets,
  connectEventProducer,
  createTopics,
  eventId,
  fluxRows,
  pointsQuery,
  requestCompleted,
  uniqueName,
  waitUntil,
} from './__fixtures__/observability-test-support';
import { DEAD_LETTER_HEADERS } from './dead-letter';
import { KafkaEventConsumer, type KafkaEventConsumerOptions } from './kafka-event-consumer';

jest.setTimeout(120_000);

const logger = createLogger('observability-consumer-test', process.env.LOG_LEVEL ?? 'silent');
const EVENT_TOPICS = [TOPICS.requestCompleted, TOPICS.costRecorded];

const brokers = KAFKA_BROKERS;
const influx = { url: INFLUX_URL, database: INFLUX_DATABASE };
let database: EventDatabase;
const consumers: KafkaEventConsumer[] = [];

beforeAll(async () => {
  await Promise.all([requireKafka(), requireInflux(), requirePostgres()]);
  database = await openEventDatabase({ postgresUrl: POSTGRES_URL, logger });
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  await database?.close();
});

/** Each test has its own topics (a unique prefix) and consumer group, with three partitions per topic. */
async function isolatedTopics(label: string) {
  const topicPrefix = `${uniqueName(label)}.`;
  const topics = EVENT_TOPICS.map((topic) => topicPrefix + topic);
  await createTopics(brokers, topics, 3);
  return { topicPrefix, topics, groupId: uniqueName(`${label}-group`) };
}

async function startConsumer(options: Omit<KafkaEventConsumerOptions, 'brokers' | 'logger'>): Promise<KafkaEventConsumer> {
  const consumer = new KafkaEventConsumer({
    brokers,
    logger,
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    ...options,
  });
  consumers.push(consumer);
  await consumer.start();
  return consumer;
}

async function rowCounts(sql: SqlExecutor, workspace: string) {
  const [row] = await sql.query<{ requests: string; distinct_requests: string }>(
    `SELECT (SELECT count(*) FROM requests WHERE workspace = $1) AS requests,
            (SELECT count(DISTINCT event_id) FROM requests WHERE workspace = $1) AS distinct_requests`,
    [workspace],
  );
  return { requests: Number(row.requests), distinctRequests: Number(row.distinct_requests) };
}

async function requestIds(sql: SqlExecutor, workspace: string): Promise<string[]> {
  const rows = await sql.query<{ event_id: string }>('SELECT event_id FROM requests WHERE workspace = $1 ORDER BY event_id', [workspace]);
  return rows.map((row) => row.event_id);
}

function sumOf(offsets: Record<string, number>): number {
  return Object.values(offsets).reduce((sum, offset) => sum + offset, 0);
}

function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  return registry
    .getSingleMetric(name)!
    .get()
    .then((metric) =>
      metric.values
        .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
        .reduce((sum, value) => sum + value.value, 0),
    );
}

describe('KafkaEventConsumer against Kafka, Postgres and InfluxDB', () => {
  it('writes every event once to Postgres and InfluxDB, and commits offsets only after the write', async () => {
    const { topicPrefix, topics, groupId } = await isolatedTopics('consumer-flow');
    const workspace = uniqueName('flow');
    const total = 300;
    const occurredAtMs = Date.now() - 60_000;
    const events: SwitchyardEvent[] = [];
    for (let index = 0; index < total; index++) {
      events.push(requestCompleted(workspace, index, occurredAtMs + index));
    }

    // Runs after Postgres and InfluxDB in every batch: the batch it sees is written but not yet
    // committed, so what is committed must be no more than what was written before it.
    const violations: string[] = [];
    let probes = 0;
    const commitProbe: EventSink = {
      name: 'commit-probe',
      async writeBatch(batch) {
        probes++;
        const committed = sumOf(await committedOffsets(brokers, groupId, topics));
        const counts = await rowCounts(database.client, workspace);
        const writtenBefore = counts.requests - batch.length;
        if (committed > writtenBefore) violations.push(`committed ${committed} with ${writtenBefore} written before this batch`);
      },
    };

    const registry = new Registry();
    await startConsumer({
      topicPrefix,
      groupId,
      sinks: [database.store, new InfluxEventWriter(influx), commitProbe],
      metricsRegistry: registry,
      maxEventsPerWrite: 50,
    });
    const producer = await connectEventProducer(brokers);
    try {
      // In several sends, so that the consumer sees several batches per partition.
      for (let start = 0; start < events.length; start += 100) await producer.produce(events.slice(start, start + 100), topicPrefix);
    } finally {
      await producer.disconnect();
    }

    await waitUntil(
      async () => sumOf(await committedOffsets(brokers, groupId, topics)) === total,
      60_000,
      async () => `committed ${JSON.stringify(await committedOffsets(brokers, groupId, topics))}`,
    );
    const counts = await rowCounts(database.client, workspace);
    expect(counts).toEqual({ requests: total, distinctRequests: total });
    expect(await requestIds(database.client, workspace)).toEqual(
      events
        .filter((event) => event.kind === 'request-completed')
        .map(eventId)
        .sort(),
    );
    expect(probes).toBeGreaterThan(2);
    expect(violations).toEqual([]);

    const bucket = `${influx.database}/autogen`;
    expect(await fluxRows(influx.url, pointsQuery(bucket, 'requests', workspace))).toHaveLength(total);

    expect(await metricValue(registry, 'switchyard_observability_events_consumed_total')).toBe(total);
    expect(await metricValue(registry, 'switchyard_observability_write_failures_total')).toBe(0);
    expect(await metricValue(registry, 'switchyard_observability_consumer_lag_messages')).toBe(0);
  });

  it('when Postgres is down, retries the batch without committing, then catches up once it is back', async () => {
    const { topicPrefix, topics, groupId } = await isolatedTopics('consumer-postgres-down');
    const workspace = uniqueName('pg-down');
    const postgres = await startDedicatedPostgres();
    let dedicated: EventDatabase | undefined;
    try {
      dedicated = await openEventDatabase({ postgresUrl: postgres.url, logger });
      const registry = new Registry();
      await startConsumer({
        topicPrefix,
        groupId,
        sinks: [dedicated.store, new InfluxEventWriter(influx)],
        metricsRegistry: registry,
      });
      const producer = await connectEventProducer(brokers);
      try {
        const before = Array.from({ length: 20 }, (_, index) => requestCompleted(workspace, index));
        await producer.produce(before, topicPrefix);
        await waitUntil(
          async () => (await rowCounts(dedicated!.client, workspace)).requests === 20,
          30_000,
          () => 'first rows',
        );
        await waitUntil(
          async () => sumOf(await committedOffsets(brokers, groupId, topics)) === 20,
          30_000,
          () => 'first commit',
        );

        await postgres.stop();
        const during = Array.from({ length: 30 }, (_, index) => requestCompleted(workspace, 20 + index));
        await producer.produce(during, topicPrefix);

        // The consumer fails, counts it, and keeps trying the same batch; nothing more is committed.
        await waitUntil(
          async () => (await metricValue(registry, 'switchyard_observability_write_failures_total', { sink: 'postgres' })) >= 3,
          30_000,
          () => 'postgres write failures to be counted',
        );
        const committedWhileDown = sumOf(await committedOffsets(brokers, groupId, topics));
        // Two more failed attempts later, still nothing more committed.
        const failuresSoFar = await metricValue(registry, 'switchyard_observability_write_failures_total', { sink: 'postgres' });
        await waitUntil(
          async () => (await metricValue(registry, 'switchyard_observability_write_failures_total', { sink: 'postgres' })) >= failuresSoFar + 2,
          30_000,
          () => 'two more postgres write failures',
        );
        expect(committedWhileDown).toBe(20);
        expect(sumOf(await committedOffsets(brokers, groupId, topics))).toBe(20);
        expect(await metricValue(registry, 'switchyard_observability_events_consumed_total')).toBe(20);

        await postgres.start();
        await waitUntil(
          async () => sumOf(await committedOffsets(brokers, groupId, topics)) === 50,
          60_000,
          () => 'commit after recovery',
        );
        const counts = await rowCounts(dedicated.client, workspace);
        expect(counts.requests).toBe(50);
        expect(counts.distinctRequests).toBe(50);
        expect(await requestIds(dedicated.client, workspace)).toEqual([...before, ...during].map(eventId).sort());
        expect(await fluxRows(influx.url, pointsQuery(`${influx.database}/autogen`, 'requests', workspace))).toHaveLength(50);
        expect(await metricValue(registry, 'switchyard_observability_events_consumed_total')).toBe(50);
      } finally {
        await producer.disconnect();
      }
    } finally {
      await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
      await dedicated?.close();
      await postgres.destroy();
    }
  });

  it('stopping while a write is being retried commits nothing; the next consumer of the group gets the batch', async () => {
    const { topicPrefix, topics, groupId } = await isolatedTopics('consumer-stop-mid-retry');
    const workspace = uniqueName('stop-mid-retry');
    const registry = new Registry();
    const failing: EventSink = {
      name: 'failing',
      writeBatch: () => Promise.reject(new Error('sink unavailable')),
    };
    // A backoff far longer than the test: stop() returns only if it cuts the backoff short.
    const first = await startConsumer({
      topicPrefix,
      groupId,
      sinks: [failing],
      metricsRegistry: registry,
      retry: { initialDelayMs: 600_000, maxDelayMs: 600_000 },
    });
    const producer = await connectEventProducer(brokers);
    const events = Array.from({ length: 10 }, (_, index) => requestCompleted(workspace, index));
    try {
      await producer.produce(events, topicPrefix);
    } finally {
      await producer.disconnect();
    }
    await waitUntil(
      async () => (await metricValue(registry, 'switchyard_observability_write_failures_total', { sink: 'failing' })) >= 1,
      30_000,
      () => 'a failure',
    );
    let stopped = false;
    const stopping = first.stop().then(() => (stopped = true));
    await waitUntil(
      async () => stopped,
      60_000,
      () => 'stop() to return while the write waits out its backoff',
    );
    await stopping;
    expect(await metricValue(registry, 'switchyard_observability_write_failures_total', { sink: 'failing' })).toBe(1);
    expect(sumOf(await committedOffsets(brokers, groupId, topics))).toBe(0);

    const received: string[] = [];
    await startConsumer({
      topicPrefix,
      groupId,
      sinks: [{ name: 'memory', writeBatch: async (batch) => void received.push(...batch.map(eventId)) }],
    });
    await waitUntil(
      async () => sumOf(await committedOffsets(brokers, groupId, topics)) === 10,
      30_000,
      () => `received ${received.length}`,
    );
    expect(received.sort()).toEqual(events.map(eventId).sort());
  });

  it('sends an undecodable message to the dead-letter topic and still writes the next event', async () => {
    const { topicPrefix, topics, groupId } = await isolatedTopics('consumer-poison');
    const workspace = uniqueName('poison');
    const deadLetterTopic = `${topicPrefix}switchyard.dead-letter.v1`;
    const registry = new Registry();
    await startConsumer({ topicPrefix, groupId, sinks: [database.store, new InfluxEventWriter(influx)], metricsRegistry: registry });

    const poison = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    const key = `${workspace}:poisoned-request`;
    const producer = await connectEventProducer(brokers);
    try {
      // Same key as the next good event: same partition, poison first.
      await producer.produceRaw(topicPrefix + TOPICS.requestCompleted, [{ key, value: poison, headers: { origin: 'test' } }]);
      const good = requestCompleted(workspace, 1);
      good.event.requestId = 'poisoned-request';
      await producer.produce([good], topicPrefix);
    } finally {
      await producer.disconnect();
    }

    await waitUntil(
      async () => (await rowCounts(database.client, workspace)).requests === 1,
      30_000,
      () => 'the good event',
    );
    await waitUntil(
      async () => sumOf(await committedOffsets(brokers, groupId, topics)) === 2,
      30_000,
      () => 'both offsets committed',
    );
    expect(await metricValue(registry, 'switchyard_observability_events_dead_lettered_total')).toBe(1);

    const deadLetters = await readTopic(deadLetterTopic, 1);
    expect(deadLetters).toHaveLength(1);
    const [deadLetter] = deadLetters;
    expect(deadLetter.key).toBe(key);
    expect(deadLetter.value).toEqual(poison);
    expect(deadLetter.headers).toMatchObject({
      origin: 'test',
      [DEAD_LETTER_HEADERS.sourceTopic]: topicPrefix + TOPICS.requestCompleted,
      [DEAD_LETTER_HEADERS.sourceOffset]: '0',
      [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
      [DEAD_LETTER_HEADERS.error]: 'EventDecodeError',
    });
    expect(deadLetter.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/not a valid event/);
    expect(deadLetter.headers[DEAD_LETTER_HEADERS.sourcePartition]).toMatch(/^[0-2]$/);
  });

  it('dead-letters the events Postgres refuses or that are over the size bound, writes the rest, and then what follows', async () => {
    const topicPrefix = `${uniqueName('consumer-refused')}.`;
    const topics = EVENT_TOPICS.map((topic) => topicPrefix + topic);
    // One partition: the poison events sit in the middle of one fetched batch.
    await createTopics(brokers, topics, 1);
    const groupId = uniqueName('consumer-refused-group');
    const workspace = uniqueName('refused');
    const deadLetterTopic = `${topicPrefix}switchyard.dead-letter.v1`;
    const registry = new Registry();

    const events = Array.from({ length: 7 }, (_, index) => requestCompleted(workspace, index));
    // Postgres cannot index a request id this long (incompressible): SQLSTATE 54000.
    events[2].event.requestId = randomBytes(12_000).toString('base64');
    // Over the consumer's size bound.
    (events[4].event as { user: string }).user = 'u'.repeat(150_000);
    const producer = await connectEventProducer(brokers);
    try {
      await producer.produce(events, topicPrefix);
    } finally {
      await producer.disconnect();
    }
    await startConsumer({ topicPrefix, groupId, sinks: [database.store], metricsRegistry: registry, maxEventBytes: 100_000 });

    const good = [0, 1, 3, 5, 6].map((index) => eventId(events[index]));
    await waitUntil(
      async () => (await requestIds(database.client, workspace)).length === 5,
      60_000,
      () => 'the five good events',
    );
    expect(await requestIds(database.client, workspace)).toEqual(good.sort());
    await waitUntil(
      async () => sumOf(await committedOffsets(brokers, groupId, topics)) === 7,
      30_000,
      () => 'every offset committed',
    );
    expect(await metricValue(registry, 'switchyard_events_dead_lettered_total', { reason: 'program_limit_exceeded', sink: 'postgres' })).toBe(1);
    expect(await metricValue(registry, 'switchyard_events_dead_lettered_total', { reason: 'event_too_large', sink: 'postgres' })).toBe(1);

    const deadLetters = await readTopic(deadLetterTopic, 2);
    const byOffset = new Map(deadLetters.map((letter) => [letter.headers[DEAD_LETTER_HEADERS.sourceOffset], letter]));
    expect(byOffset.get('2')?.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.cause]: 'program_limit_exceeded',
      [DEAD_LETTER_HEADERS.sink]: 'postgres',
      [DEAD_LETTER_HEADERS.error]: 'EventRejected',
      [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
    });
    expect(byOffset.get('2')?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/index row/);
    expect(byOffset.get('2')?.value).toEqual(Buffer.from(encodeEvent(events[2]).value));
    expect(byOffset.get('4')?.headers).toMatchObject({ [DEAD_LETTER_HEADERS.cause]: 'event_too_large' });

    // The partition is not stuck: an event published afterwards is written.
    const after = requestCompleted(workspace, 100);
    const second = await connectEventProducer(brokers);
    try {
      await second.produce([after], topicPrefix);
    } finally {
      await second.disconnect();
    }
    await waitUntil(
      async () => (await requestIds(database.client, workspace)).includes(eventId(after)),
      30_000,
      () => 'the event after',
    );
  });
});

/** The first `count` messages of a topic, read by a throw-away consumer group. */
async function readTopic(topic: string, count: number) {
  const kafka = new Kafka({ clientId: 'observability-test', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('dead-letter-reader') });
  const messages: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Read ${messages.length} of ${count} messages from ${topic}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
          messages.push({ key: String(message.key), value: message.value!, headers });
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
