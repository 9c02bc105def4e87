import type { Consumer, EachBatchPayload, KafkaMessage, LogEntry, Producer, logLevel } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  ALL_TOPICS,
  EventDecodeError,
  TransientWriteError,
  decodeEvent,
  ensureTopics,
  writeIsolatingRejected,
  type EventSink,
  type SwitchyardEvent,
  type Topic,
} from '@switchyard/events';
import type { Logger } from '@switchyard/shared';
import { ConsumerMetrics } from './consumer-metrics';
import { DEAD_LETTER_TOPIC, deadLetterMessage, type DeadLetter } from './dead-letter';
import { FanOutSink, SinkWriteError } from './fan-out-sink';

export const DEFAULT_CONSUMER_GROUP_ID = 'switchyard-observability';

export interface KafkaEventConsumerOptions {
  brokers: readonly string[];
  /** Consumer group; `switchyard-observability` by default. */
  groupId?: string;
  /** Event topics to consume; all of them by default. */
  topics?: readonly Topic[];
  /**
   * Put before every topic name, the dead-letter topic's included (e.g.
   * `staging.` for `staging.switchyard.request.completed.v1`): environments,
   * or tests, sharing one cluster. Empty by default.
   */
  topicPrefix?: string;
  /** Written in order for every batch; all must succeed before offsets are committed. */
  sinks: readonly EventSink[];
  logger: Logger;
  /** Where the consumer's metrics are registered; a registry of its own by default. */
  metricsRegistry?: Registry;
  /** Where a group without committed offsets starts: the oldest message (true) or new ones only (false, the default). */
  fromBeginning?: boolean;
  /** Topic that receives messages that cannot be decoded; `switchyard.dead-letter.v1` (after the prefix) by default. */
  deadLetterTopic?: string;
  clientId?: string;
  /** Events written (and committed) at a time; a fetched batch larger than this is written in parts. 500 by default. */
  maxEventsPerWrite?: number;
  /** Bytes of messages written at a time at most; a larger part is written in smaller ones. 4 MiB by default. */
  maxBytesPerWrite?: number;
  /** A message larger than this is dead-lettered (`event_too_large`) rather than written. 1,000,000 bytes by default. */
  maxEventBytes?: number;
  /** Delays between attempts at a failing write: doubling from `initialDelayMs` (250) up to `maxDelayMs` (30 000). */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Kafka group session timeout; the broker drops a member it has not heard from for this long. 30 000 by default. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Creates the consumed topics and the dead-letter topic when missing, with the broker's defaults. True by default. */
  createTopics?: boolean;
  /** Longest a fetch waits on the broker for new messages; also bounds how long `stop()` waits for one. 1 000 by default. */
  maxFetchWaitMs?: number;
  /** Partitions processed at the same time by this consumer; 1 by default. */
  partitionsConsumedConcurrently?: number;
}

/** Ends a write attempt loop early: the consumer is stopping, or the partition was taken away. */
class BatchAbandoned extends Error {
  override readonly name = 'BatchAbandoned';
}

/**
 * Consumes Switchyard events from Kafka into sinks (e.g. Postgres, then
 * InfluxDB), at least once, with rows exactly once because every sink is
 * idempotent on the event id.
 *
 * Per fetched batch (one partition), in parts of `maxEventsPerWrite`:
 * 1. Decode. A message that does not decode is a poison pill: it is logged
 *    with topic/partition/offset, counted, published with its raw bytes to
 *    the dead-letter topic (headers say why and where from) and skipped.
 * 2. Write the decoded events to every sink, in order, in writes of at most
 *    `maxBytesPerWrite`. A write a sink refuses for its content (as
 *    `classifyWriteFailure` decides: a value Postgres cannot hold, a point
 *    InfluxDB cannot parse) is bisected down to the events at fault, which
 *    go to the dead-letter topic (headers say which sink refused them and
 *    why) and are counted; the rest is written. Any other failure is logged
 *    and counted by sink, and the SAME events are written again after a
 *    capped exponential backoff, heartbeating meanwhile so the group keeps
 *    the partition, until it succeeds or the consumer stops (or loses the
 *    partition in a rebalance).
 * 3. Only then resolve and commit the offset after the part's last message.
 *
 * Offsets are never committed otherwise (auto-commit is off), so a consumer
 * that stops mid-retry, or is killed mid-write, leaves the batch to the next
 * member of the group, which writes it again.
 */
export class KafkaEventConsumer {
  readonly metrics: ConsumerMetrics;
  private readonly sink: FanOutSink;
  private readonly groupId: string;
  private readonly topicPrefix: string;
  /** Names on the cluster, prefix included. */
  private readonly topics: readonly string[];
  private readonly deadLetterTopic: string;
  private readonly maxEventsPerWrite: number;
  private readonly maxBytesPerWrite: number;
  private readonly maxEventBytes: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly logger: Logger;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  /** Aborted by `stop()`: wakes a write attempt loop out of its backoff. */
  private stopping = new AbortController();

  constructor(private readonly options: KafkaEventConsumerOptions) {
    if (options.sinks.length === 0) throw new Error('KafkaEventConsumer needs at least one sink.');
    this.groupId = options.groupId ?? DEFAULT_CONSUMER_GROUP_ID;
    this.topicPrefix = options.topicPrefix ?? '';
    this.topics = (options.topics ?? ALL_TOPICS).map((topic) => this.topicPrefix + topic);
    this.deadLetterTopic = options.deadLetterTopic ?? this.topicPrefix + DEAD_LETTER_TOPIC;
    this.maxEventsPerWrite = options.maxEventsPerWrite ?? 500;
    this.maxBytesPerWrite = options.maxBytesPerWrite ?? 4 * 1024 * 1024;
    this.maxEventBytes = options.maxEventBytes ?? 1_000_000;
    this.initialDelayMs = options.retry?.initialDelayMs ?? 250;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.logger = options.logger.child({ component: 'kafka-event-consumer', groupId: this.groupId });
    this.metrics = new ConsumerMetrics(options.metricsRegistry);
    this.sink = new FanOutSink(options.sinks);
  }

  /** Resolves once the consumer has joined its group and started fetching. */
  async start(): Promise<void> {
    if (this.consumer) throw new Error('The consumer is already started.');
    this.stopping = new AbortController();
    if (this.options.createTopics ?? true) await this.createMissingTopics();

    // Loaded on first use: the one-process mode imports this package and never consumes from Kafka.
    const { Kafka, Partitioners, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: this.options.clientId ?? 'switchyard-observability',
      brokers: [...this.options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.logger, logLevel),
    });
    // The Java client's partitioner (murmur2 of the key), as the gateway's publisher uses.
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      // kafkajs waits for a fetch in flight before it stops or rejoins the
      // group; its default long poll (5 s) would make both that slow.
      maxWaitTimeInMs: this.options.maxFetchWaitMs ?? 1_000,
      allowAutoTopicCreation: false,
    });
    this.producer = producer;
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => this.logger.error({ err: payload.error, restart: payload.restart }, 'consumer-crash'));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.logger.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'consumer-group-join'),
    );

    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: this.options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.info({ topics: this.topics, deadLetterTopic: this.deadLetterTopic }, 'consumer-start');
  }

  /**
   * Stops fetching, ends a write that is being retried without committing it,
   * waits for a write in flight, leaves the group and disconnects.
   */
  async stop(): Promise<void> {
    const { consumer, producer } = this;
    this.consumer = undefined;
    this.producer = undefined;
    this.stopping.abort();
    await consumer?.disconnect();
    await producer?.disconnect();
    if (consumer) this.logger.info('consumer-stop');
  }

  private async createMissingTopics(): Promise<void> {
    // Partitions and replication factor left to the broker's defaults.
    await ensureTopics([...this.options.brokers], [...this.topics, this.deadLetterTopic], { logger: this.logger });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    for (let start = 0; start < batch.messages.length; start += this.maxEventsPerWrite) {
      if (!this.stillOwned(payload)) return;
      const messages = batch.messages.slice(start, start + this.maxEventsPerWrite);
      try {
        await this.writeAndCommit(payload, messages);
      } catch (error) {
        if (error instanceof BatchAbandoned) {
          this.logger.info({ topic: batch.topic, partition: batch.partition, reason: error.message }, 'batch-abandon');
          return;
        }
        throw error;
      }
    }
  }

  private async writeAndCommit(payload: EachBatchPayload, messages: KafkaMessage[]): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const decoded: Array<{ message: KafkaMessage; event: SwitchyardEvent }> = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of messages) {
      try {
        if (!message.value) throw new EventDecodeError(`The message on ${topic} has no value.`);
        decoded.push({ message, event: decodeEvent(topic.slice(this.topicPrefix.length), message.value) });
      } catch (error) {
        if (!(error instanceof EventDecodeError)) throw error;
        deadLetters.push({ topic, partition, message, error, cause: 'undecodable' });
        this.logger.warn({ topic, partition, offset: message.offset, err: error }, 'message-undecodable');
      }
    }

    const startedAt = performance.now();
    let deadLettersSent = deadLetters.length === 0;
    let refused: DeadLetter[] = [];
    await this.untilWritten(payload, async () => {
      if (!deadLettersSent) {
        await this.sendDeadLetters(deadLetters);
        deadLettersSent = true;
      }
      const rejected = await writeIsolatingRejected(decoded, {
        maxItems: decoded.length,
        maxBytes: this.maxBytesPerWrite,
        maxItemBytes: this.maxEventBytes,
        sizeOf: (item) => item.message.value?.length ?? 0,
        write: (part) => this.sink.writeBatch(part.map((item) => item.event)),
      });
      refused = rejected.map(({ item, reason, message, error }) => ({
        topic,
        partition,
        message: item.message,
        error: Object.assign(new Error(message), { name: 'EventRejected' }),
        cause: reason,
        sink: error instanceof SinkWriteError ? error.sinkName : this.sink.name,
      }));
      // Written again with the rest if this fails: the dead-letter topic is written at least once.
      if (refused.length > 0) await this.sendDeadLetters(refused);
    });
    const events = decoded.length - refused.length;

    const lastOffset = messages[messages.length - 1].offset;
    const nextOffset = (BigInt(lastOffset) + 1n).toString();
    payload.resolveOffset(lastOffset);
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });

    this.metrics.batchWriteDuration.observe({ topic, sink: this.sink.name }, (performance.now() - startedAt) / 1000);
    this.metrics.batchesWritten.inc({ topic, sink: this.sink.name });
    if (events > 0) this.metrics.eventsConsumed.inc({ topic, sink: this.sink.name }, events);
    for (const deadLetter of deadLetters) this.metrics.deadLettered.inc({ topic, reason: deadLetter.error.name });
    for (const deadLetter of refused) {
      this.metrics.deadLettered.inc({ topic, reason: deadLetter.cause });
      this.metrics.eventsDeadLettered.inc({ reason: deadLetter.cause, sink: deadLetter.sink ?? this.sink.name });
      this.logger.warn(
        { topic, partition, offset: deadLetter.message.offset, sink: deadLetter.sink, reason: deadLetter.cause, error: deadLetter.error.message },
        'event-rejected',
      );
    }
    const lag = BigInt(batch.highWatermark) - BigInt(nextOffset);
    this.metrics.consumerLag.set({ topic, partition: String(partition), sink: this.sink.name }, Number(lag > 0n ? lag : 0n));
    await payload.heartbeat();
  }

  /**
   * Runs `write` until it succeeds, with capped exponential backoff between
   * attempts and heartbeats throughout. Throws `BatchAbandoned` when the
   * consumer stops or loses the partition first, and lets Kafka's own errors
   * (a rebalance seen by a heartbeat) through for kafkajs to handle.
   */
  private async untilWritten(payload: EachBatchPayload, write: () => Promise<void>): Promise<void> {
    const { topic, partition } = payload.batch;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.whileHeartbeating(payload, write);
        if (attempt > 1) this.logger.info({ topic, partition, attempts: attempt }, 'batch-write-recover');
        return;
      } catch (error) {
        const failed = error instanceof TransientWriteError ? error.cause : error;
        if (!(failed instanceof SinkWriteError || failed instanceof DeadLetterError)) throw failed;
        const sinkName = failed instanceof SinkWriteError ? failed.sinkName : 'dead-letter';
        const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (attempt - 1));
        this.metrics.writeFailures.inc({ sink: sinkName });
        this.logger.warn({ topic, partition, sink: sinkName, attempt, retryInMs: delayMs, err: failed.cause }, 'batch-write-fail');
        if (!this.stillOwned(payload)) throw new BatchAbandoned('consumer stopping or partition revoked');
        await sleep(delayMs, this.stopping.signal, () => payload.heartbeat());
        if (!this.stillOwned(payload)) throw new BatchAbandoned('consumer stopping or partition revoked');
      }
    }
  }

  /** Runs `action`, heartbeating every interval meanwhile; a heartbeat error is thrown once `action` ends. */
  private async whileHeartbeating(payload: EachBatchPayload, action: () => Promise<void>): Promise<void> {
    let heartbeatFailure: { error: unknown } | undefined;
    const timer = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => (heartbeatFailure ??= { error }));
    }, this.heartbeatIntervalMs);
    try {
      await action();
    } finally {
      clearInterval(timer);
    }
    if (heartbeatFailure) throw heartbeatFailure.error;
  }

  private stillOwned(payload: EachBatchPayload): boolean {
    return !this.stopping.signal.aborted && payload.isRunning() && !payload.isStale();
  }

  private async sendDeadLetters(deadLetters: readonly DeadLetter[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new DeadLetterError(new Error('The consumer is stopped.'));
    try {
      await producer.send({
        topic: this.deadLetterTopic,
        acks: -1,
        messages: deadLetters.map((deadLetter) => deadLetterMessage(deadLetter, this.groupId)),
      });
    } catch (error) {
      throw new DeadLetterError(error);
    }
    for (const { topic, partition, message } of deadLetters) {
      this.logger.warn({ topic, partition, offset: message.offset, deadLetterTopic: this.deadLetterTopic }, 'message-dead-letter');
    }
  }
}

class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
  constructor(override readonly cause: unknown) {
    super(`Publishing to the dead-letter topic failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Waits `ms`, heartbeating every few seconds; returns early when `signal` aborts. */
async function sleep(ms: number, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!signal.aborted && Date.now() < deadline) {
    const step = Math.min(deadline - Date.now(), 1_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, step);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
    if (!signal.aborted) await heartbeat();
  }
}

/** kafkajs logs through the consumer's pino logger (`levels`: kafkajs's enum, loaded with the client). */
function kafkaLogCreator(logger: Logger, levels: typeof logLevel) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      const line = { kafkajs: namespace, ...fields };
      if (level === levels.ERROR) logger.error(line, message);
      else if (level === levels.WARN) logger.warn(line, message);
      else if (level === levels.INFO) logger.info(line, message);
      else logger.debug(line, message);
    };
}
