import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { InfluxDB } from '@influxdata/influxdb-client';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { encodeEvent, type SwitchyardEvent } from '@switchyard/events';
import { eventsV1 } from '@switchyard/proto';

/** A name no other test uses: workspaces, topic prefixes, group ids. */
export function uniqueName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** A RequestCompleted with every field the sinks store set, varied by `index`. */
export function requestCompleted(workspace: string, index: number, occurredAtMs = Date.now()): SwitchyardEvent {
  return {
    kind: 'request-completed',
    event: create(eventsV1.RequestCompletedSchema, {
      eventId: `${workspace}-event-${index}`,
      occurredAt: timestampFromMs(occurredAtMs),
      requestId: `${workspace}-request-${index}`,
      workspace,
      keyId: 'key-1',
      user: 'user-1',
      operation: index % 5 === 0 ? eventsV1.Operation.EMBEDDING : eventsV1.Operation.CHAT_COMPLETION,
      requestedModel: 'fast',
      servedModel: index % 2 === 0 ? 'gpt-4o-mini' : 'claude-haiku',
      provider: index % 2 === 0 ? 'openai' : 'anthropic',
      attempts: 1 + (index % 3),
      status: index % 7 === 3 ? eventsV1.RequestStatus.FAILED : eventsV1.RequestStatus.SUCCEEDED,
      httpStatus: index % 7 === 3 ? 429 : 200,
      latencyMs: 100 + index + 0.5,
      timeToFirstTokenMs: 10 + index + 0.25,
      streamed: true,
      tokens: { input: 10 + index, output: 20 + index, cachedInput: index % 4, cacheWrite: index % 3, reasoning: index % 6 },
      costUsd: (index + 1) / 1000,
      inputCostUsd: (index + 1) / 4000,
      outputCostUsd: (3 * (index + 1)) / 4000,
      cacheStatus: eventsV1.CacheStatus.MISS,
    }),
  };
}

export function costRecorded(workspace: string, index: number, occurredAtMs = Date.now()): SwitchyardEvent {
  return {
    kind: 'cost-recorded',
    event: create(eventsV1.CostRecordedSchema, {
      eventId: `${workspace}-cost-${index}`,
      occurredAt: timestampFromMs(occurredAtMs),
      requestId: `${workspace}-request-${index}`,
      workspace,
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputCostUsd: index / 1000,
      outputCostUsd: index / 500,
      totalCostUsd: (3 * index) / 1000,
      priceSource: 'config',
    }),
  };
}

export function eventId(item: SwitchyardEvent): string {
  return item.event.eventId;
}

/** A kafkajs producer that sends events as the gateway does, to `<prefix><topic>`. */
export async function connectEventProducer(brokers: readonly string[]): Promise<{
  produce(events: readonly SwitchyardEvent[], topicPrefix: string): Promise<void>;
  produceRaw(topic: string, messages: { key: string; value: Buffer; headers?: Record<string, string> }[]): Promise<void>;
  disconnect(): Promise<void>;
}> {
  const kafka = new Kafka({ clientId: 'observability-test', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer();
  await producer.connect();
  return {
    async produce(events, topicPrefix) {
      const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
      for (const event of events) {
        const encoded = encodeEvent(event);
        const topic = topicPrefix + encoded.topic;
        const messages = byTopic.get(topic) ?? [];
        messages.push({ key: encoded.key, value: Buffer.from(encoded.value), headers: encoded.headers });
        byTopic.set(topic, messages);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    async produceRaw(topic, messages) {
      await producer.send({ topic, acks: -1, messages });
    },
    disconnect: () => producer.disconnect(),
  };
}

/** Creates the topics with `partitions` partitions, so tests see several partitions at work. */
export async function createTopics(brokers: readonly string[], topics: readonly string[], partitions = 3): Promise<void> {
  const admin = new Kafka({ clientId: 'observability-test', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group, summed over partitions, per topic (0 for a partition with none). */
export async function committedOffsets(brokers: readonly string[], groupId: string, topics: readonly string[]): Promise<Record<string, number>> {
  const admin = new Kafka({ clientId: 'observability-test', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const result: Record<string, number> = {};
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      result[topic] = partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}

/** Rows of a Flux query, as objects keyed by column. */
export async function fluxRows(url: string, query: string): Promise<Record<string, unknown>[]> {
  const queryApi = new InfluxDB({ url, token: '' }).getQueryApi('');
  return queryApi.collectRows<Record<string, unknown>>(query);
}

/** Every point of `measurement` for `workspace`, one row per point with its fields as columns. */
export function pointsQuery(bucket: string, measurement: string, workspace: string): string {
  return `from(bucket: "${bucket}")
  |> range(start: -30d, stop: 30d)
  |> filter(fn: (r) => r._measurement == "${measurement}" and r.workspace == "${workspace}")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> drop(columns: ["_start", "_stop"])
  |> group()
  |> sort(columns: ["_time"])`;
}

/** Polls `probe` until it returns true or `timeoutMs` passes; then throws with `describe()`'s text. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, describe: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
