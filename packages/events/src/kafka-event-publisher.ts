import { setTimeout as delay } from 'node:timers/promises';
import type { MessageToProduce, Producer } from '@platformatic/kafka';
import { EVENTS_DEFAULTS, type Logger } from '@switchyard/shared';
import { abortable } from './abortable';
import { Backoff } from './backoff';
import { DropReporter } from './drop-reporter';
import { DurableSpool, SpoolWriteError, type SpoolBatch } from './durable-spool';
import type { EventPublisher } from './event-publisher';
import { EventQueue } from './event-queue';
import { writeIsolatingRejected, type RejectedItem } from './poison/isolate-rejected';
import { classifyWriteFailure } from './poison/write-failure';
import type { PublisherMetrics } from './publisher-metrics';
import { ensureTopics } from './ensure-topics';
import { encodeEvent, type EncodedEvent, type SwitchyardEvent } from './switchyard-event';
import { ALL_TOPICS, DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC } from './topics';
import { Wakeup } from './wakeup';

export interface KafkaEventPublisherOptions {
  /** `host:port` of one or more brokers. */
  brokers: string[];
  /** Kafka client id, shown in broker logs and quotas. Default `switchyard`. */
  clientId?: string;
  /**
   * Put before every topic name on the cluster (e.g. `staging.`), for
   * environments sharing one cluster. Applied when sending, so the spool
   * holds plain topic names. Default none.
   */
  topicPrefix?: string;
  /** Directory of the durable spool (created when missing); one publisher process per directory. */
  spoolDirectory: string;
  /**
   * Events waiting in memory before the publisher stops waiting on Kafka and
   * writes them to the spool instead. Events that arrive while that write is
   * under way are held too, so memory holds at most twice this many; past
   * that they are dropped (`queue_full`). Default 10,000.
   */
  queueCapacity?: number;
  /** Largest size of the spool on disk; events that do not fit are dropped (`spool_full`). Default 1 GiB. */
  spoolMaxBytes?: number;
  /** Size at which the spool starts a new segment file. Default 16 MiB. */
  spoolSegmentMaxBytes?: number;
  /** Events in one Kafka request (and one spool read during replay) at most. Default 500. */
  batchMaxEvents?: number;
  /** How long the loop waits for more events before it sends a batch that is not full. Default 50 ms. */
  lingerMs?: number;
  /**
   * Longest a connect or a send may take before Kafka counts as unreachable
   * and the events go to the spool. The Kafka client's own retries are set to give
   * up well within it. Default 5 s.
   */
  sendTimeoutMs?: number;
  /** First wait between reconnect attempts while Kafka is unreachable; it doubles up to `retryMaxMs`. Default 500 ms. */
  retryInitialMs?: number;
  /** Longest wait between reconnect attempts. Default 10 s. */
  retryMaxMs?: number;
  /** How long `close` keeps sending before it spools whatever is left. Default 5 s. */
  closeTimeoutMs?: number;
  /**
   * Largest encoded event accepted; a larger one is dropped (`event_too_large`)
   * rather than sent, since the broker would refuse it and its batch with it.
   * Default 1,000,000 bytes (just under the broker's default `message.max.bytes`).
   */
  maxEventBytes?: number;
  /**
   * Creates the event topics (under the prefix) that do not exist yet, on the
   * first connection, with the broker's defaults; a gateway that starts
   * before anything else then never waits on a missing topic. Default true.
   */
  createTopics?: boolean;
  logger: Logger;
  metrics?: PublisherMetrics;
}

/**
 * The defaults of the options above that have one; `KafkaEventPublisherThread`
 * applies the same ones on its side. Those the config also has (`events.*`)
 * are the config's defaults, written once in `EVENTS_DEFAULTS`.
 */
export const KAFKA_PUBLISHER_DEFAULTS = {
  clientId: EVENTS_DEFAULTS.clientId,
  queueCapacity: EVENTS_DEFAULTS.queueCapacity,
  spoolMaxBytes: EVENTS_DEFAULTS.spoolMaxBytes,
  batchMaxEvents: 500,
  lingerMs: EVENTS_DEFAULTS.lingerMs,
  sendTimeoutMs: 5_000,
  retryInitialMs: 500,
  retryMaxMs: 10_000,
  closeTimeoutMs: 5_000,
  maxEventBytes: 1_000_000,
} as const;

/** Events written to the spool in one append at most. */
const SPOOL_APPEND_MAX_EVENTS = 5_000;

type Link = 'connecting' | 'up' | 'down';

/**
 * Publishes events to Kafka without ever making a request wait for Kafka.
 *
 * `publish` encodes the event, puts it on a bounded in-memory queue and
 * returns. Two background loops do the rest:
 *
 * - The intake loop takes batches off the queue (up to `batchMaxEvents`,
 *   after a `lingerMs` wait for more) and sends each with one `send`:
 *   idempotent producer, acks from all in-sync replicas, GZIP. While Kafka is
 *   unreachable, while the queue is full, or while anything is in the spool,
 *   it appends the batches to the durable spool instead.
 * - The recovery loop connects (and reconnects, with exponential backoff)
 *   and replays the spool in order, moving the spool's cursor only after
 *   Kafka acknowledged each batch. A batch the broker refuses for good
 *   (`MESSAGE_TOO_LARGE`, `INVALID_RECORD`, `CORRUPT_MESSAGE`…, as
 *   `classifyWriteFailure` decides) is bisected down to the records at
 *   fault, which go to the dead-letter topic with headers saying why
 *   (counted in `switchyard_events_dead_lettered_total{sink="kafka"}`); the
 *   rest is delivered and the spool moves on. (A send straight from the
 *   queue that the broker refuses goes to the spool, and so through this.)
 *
 * Order: once anything is in the spool, every new event goes into the spool
 * behind it until the spool has been replayed, and only one send is in
 * flight at a time, so events reach Kafka in publish order. Delivery is at
 * least once: a send that timed out on our side may still have landed, and
 * a crash between Kafka's acknowledgement and the cursor write replays that
 * batch; consumers de-duplicate by event id.
 *
 * Events are given up on (counted in `switchyard_events_dropped_total` and
 * logged at error level, rate-limited) only when the spool is full or the
 * disk fails, when twice `queueCapacity` events are waiting in memory, or
 * when `publish` is called after `close`.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly clientId: string;
  private readonly brokers: string;
  private readonly topicPrefix: string;
  private readonly queueCapacity: number;
  private readonly batchMaxEvents: number;
  private readonly lingerMs: number;
  private readonly brokerList: string[];
  /** Created on the first connection, then empty. */
  private topicsToCreate: string[];
  private readonly sendTimeoutMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly maxEventBytes: number;
  private readonly logger: Logger;
  private readonly metrics: PublisherMetrics | undefined;
  private readonly drops: DropReporter;

  private readonly queue = new EventQueue<EncodedEvent>();
  private readonly intakeWakeup = new Wakeup();
  private readonly recoveryWakeup = new Wakeup();
  private producer: EventProducer | undefined;
  private link: Link = 'connecting';
  private downSince: number | undefined;
  /** Set when the queue reaches capacity: the intake loop spools instead of waiting on Kafka. */
  private spillRequested = false;
  private spill = new AbortController();
  private accepting = true;
  private closing = false;
  /** Aborted when `close` begins: ends backoff waits. */
  private readonly stopping = new AbortController();
  /** Aborted when the close grace period is over: ends sends in flight. */
  private readonly graceOver = new AbortController();
  private closed: Promise<void> | undefined;
  private readonly discarding = new Set<Promise<unknown>>();
  private readonly intake: Promise<void>;
  private readonly recovery: Promise<void>;

  /** Opens (and checks) the spool, then starts connecting in the background; Kafka need not be up. */
  static async start(options: KafkaEventPublisherOptions): Promise<KafkaEventPublisher> {
    const spool = await DurableSpool.open({
      directory: options.spoolDirectory,
      maxBytes: options.spoolMaxBytes ?? KAFKA_PUBLISHER_DEFAULTS.spoolMaxBytes,
      segmentMaxBytes: options.spoolSegmentMaxBytes,
      logger: options.logger,
    });
    return new KafkaEventPublisher(options, spool);
  }

  private constructor(
    options: KafkaEventPublisherOptions,
    private readonly spool: DurableSpool,
  ) {
    this.queueCapacity = options.queueCapacity ?? KAFKA_PUBLISHER_DEFAULTS.queueCapacity;
    this.batchMaxEvents = options.batchMaxEvents ?? KAFKA_PUBLISHER_DEFAULTS.batchMaxEvents;
    this.lingerMs = options.lingerMs ?? KAFKA_PUBLISHER_DEFAULTS.lingerMs;
    this.brokerList = options.brokers;
    this.topicsToCreate =
      options.createTopics === false ? [] : [...ALL_TOPICS, DEAD_LETTER_TOPIC].map((topic) => (options.topicPrefix ?? '') + topic);
    this.sendTimeoutMs = options.sendTimeoutMs ?? KAFKA_PUBLISHER_DEFAULTS.sendTimeoutMs;
    this.retryInitialMs = options.retryInitialMs ?? KAFKA_PUBLISHER_DEFAULTS.retryInitialMs;
    this.retryMaxMs = options.retryMaxMs ?? KAFKA_PUBLISHER_DEFAULTS.retryMaxMs;
    this.closeTimeoutMs = options.closeTimeoutMs ?? KAFKA_PUBLISHER_DEFAULTS.closeTimeoutMs;
    this.maxEventBytes = options.maxEventBytes ?? KAFKA_PUBLISHER_DEFAULTS.maxEventBytes;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.drops = new DropReporter(this.logger, this.metrics);
    this.brokers = options.brokers.join(',');
    this.topicPrefix = options.topicPrefix ?? '';

    this.clientId = options.clientId ?? KAFKA_PUBLISHER_DEFAULTS.clientId;

    this.metrics?.spoolBytes(spool.sizeBytes);
    this.metrics?.queueDepth(0);
    if (spool.pendingEvents > 0) {
      this.logger.warn({ events: spool.pendingEvents, bytes: spool.sizeBytes, directory: spool.directory }, 'spool-replay-pending');
    }
    this.intake = this.runIntake();
    this.recovery = this.runRecovery();
  }

  publish(item: SwitchyardEvent): void {
    if (!this.accepting) {
      this.drops.drop('closed', 1);
      return;
    }
    let encoded: EncodedEvent;
    try {
      encoded = encodeEvent(item);
    } catch {
      this.drops.drop('invalid_event', 1);
      return;
    }
    this.publishEncoded(encoded);
  }

  /** `publish` for an event already encoded (by `encodeEvent`), as the publisher's thread receives them. */
  publishEncoded(encoded: EncodedEvent): void {
    if (!this.accepting) {
      this.drops.drop('closed', 1);
      return;
    }
    if (encoded.value.length > this.maxEventBytes) {
      this.drops.drop('event_too_large', 1);
      return;
    }
    const depth = this.queue.length;
    if (depth >= 2 * this.queueCapacity) {
      this.drops.drop('queue_full', 1);
      return;
    }
    this.queue.push(encoded);
    this.metrics?.queueDepth(depth + 1);
    if (depth + 1 >= this.queueCapacity && !this.spillRequested) {
      this.spillRequested = true;
      this.spill.abort(new Error('The event queue is full.'));
      this.intakeWakeup.notify();
    } else if (depth === 0 || depth + 1 === this.batchMaxEvents) {
      this.intakeWakeup.notify();
    }
  }

  /**
   * Sends what is queued, and replays the spool while Kafka answers, for up
   * to `closeTimeoutMs`; whatever is left then is in the spool, to be
   * replayed by the next publisher on the same directory. Resolves when the
   * spool is closed and the producer disconnected.
   */
  close(): Promise<void> {
    this.closed ??= this.closeNow();
    return this.closed;
  }

  private async closeNow(): Promise<void> {
    this.closing = true;
    this.stopping.abort();
    const grace = setTimeout(() => this.graceOver.abort(new Error('The close grace period is over.')), this.closeTimeoutMs);
    this.intakeWakeup.notify();
    this.recoveryWakeup.notify();
    try {
      await Promise.all([this.intake, this.recovery]);
    } finally {
      clearTimeout(grace);
      this.accepting = false;
      const left = this.spool.pendingEvents;
      await this.spool.close().catch((error: unknown) => this.logger.error({ err: error }, 'spool-close-failed'));
      await this.disconnect();
      this.drops.flush();
      this.logger.info({ eventsLeftInSpool: left }, 'event-publisher-closed');
    }
  }

  // --- intake: queue -> Kafka, or -> spool ---------------------------------------------------------

  private async runIntake(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.closing) {
          // Synchronously with the check, so no event is accepted that nobody would take.
          this.accepting = false;
          return;
        }
        await this.intakeWakeup.wait();
        continue;
      }
      if (this.link === 'connecting' && !this.spillRequested) {
        // Until the first connection attempt ends (within sendTimeoutMs): start-up events need not touch the disk.
        await this.intakeWakeup.wait();
        continue;
      }
      if (this.sendsDirectly()) {
        await this.linger();
        // The queue may have filled while lingering.
        if (!this.sendsDirectly()) continue;
        const batch = this.queue.take(this.batchMaxEvents);
        this.metrics?.queueDepth(this.queue.length);
        const sent = await this.send(batch, [this.spill.signal]);
        if (!sent) await this.toSpool(batch);
      } else {
        await this.linger();
        const batch = this.queue.take(SPOOL_APPEND_MAX_EVENTS);
        this.metrics?.queueDepth(this.queue.length);
        await this.toSpool(batch);
        if (this.queue.length < this.queueCapacity) this.resetSpill();
      }
    }
  }

  /** Straight to Kafka only when it is up, nothing waits in the spool, and the queue is not full. */
  private sendsDirectly(): boolean {
    return this.link === 'up' && this.spool.pendingEvents === 0 && !this.spillRequested && !this.graceOver.signal.aborted;
  }

  private resetSpill(): void {
    if (!this.spillRequested) return;
    this.spillRequested = false;
    this.spill = new AbortController();
  }

  /** Waits up to `lingerMs` for a full batch, unless closing or spilling. */
  private async linger(): Promise<void> {
    if (this.lingerMs <= 0) return;
    const deadline = Date.now() + this.lingerMs;
    while (this.queue.length < this.batchMaxEvents && !this.closing && !this.spillRequested) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await this.intakeWakeup.wait(remaining);
    }
  }

  private async toSpool(batch: EncodedEvent[]): Promise<void> {
    let appended: number;
    try {
      appended = await this.spool.append(batch);
      this.drops.drop('spool_full', batch.length - appended);
    } catch (error) {
      appended = error instanceof SpoolWriteError ? error.appended : 0;
      this.logger.error({ err: error, events: batch.length - appended, directory: this.spool.directory }, 'spool-write-failed');
      this.drops.drop('spool_failed', batch.length - appended);
    }
    this.metrics?.spooled(appended);
    this.metrics?.spoolBytes(this.spool.sizeBytes);
    this.recoveryWakeup.notify();
  }

  // --- recovery: connect, reconnect, replay the spool ----------------------------------------------

  private async runRecovery(): Promise<void> {
    const backoff = new Backoff(this.retryInitialMs, this.retryMaxMs);
    for (;;) {
      if (this.link !== 'up') {
        if (this.closing) return;
        const connected = await this.connect();
        this.intakeWakeup.notify();
        if (!connected) {
          await delay(backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => undefined);
          continue;
        }
        backoff.reset();
      }
      if (this.spool.pendingEvents === 0) {
        if (this.closing) return;
        await this.recoveryWakeup.wait();
        continue;
      }
      if (this.graceOver.signal.aborted) return;
      let batch: SpoolBatch;
      try {
        batch = await this.spool.read(this.batchMaxEvents);
        if (batch.events.length === 0) throw new Error(`The spool counts ${this.spool.pendingEvents} events but returned none.`);
      } catch (error) {
        this.logger.error({ err: error, directory: this.spool.directory }, 'spool-read-failed');
        if (this.closing) return;
        await delay(backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => undefined);
        continue;
      }
      const delivered = await this.replay(batch.events);
      if (delivered === undefined) {
        if (!this.closing) await delay(backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => undefined);
        continue;
      }
      try {
        await this.spool.commit(batch);
      } catch (error) {
        // Kafka has the events; if the cursor could not be saved they are sent again later (at least once).
        this.logger.error({ err: error, directory: this.spool.directory }, 'spool-commit-failed');
      }
      this.metrics?.replayed(delivered);
      this.metrics?.spoolBytes(this.spool.sizeBytes);
      if (this.spool.pendingEvents === 0) {
        this.logger.info({ directory: this.spool.directory }, 'spool-drained');
        this.intakeWakeup.notify();
      }
    }
  }

  /** A fresh idempotent producer, connected within `sendTimeoutMs`; false when Kafka does not answer. */
  private async connect(): Promise<boolean> {
    // Loaded here, not with this module: loading the client takes about half a second and 10 MB of heap,
    // which the one-process mode (it imports this package but never publishes to Kafka) should not pay.
    const { Producer, ProduceAcks, compatibilityPartitioner, stringSerializer } = await import('@platformatic/kafka');
    const producer: EventProducer = new Producer({
      clientId: this.clientId,
      bootstrapBrokers: this.brokerList,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: 'gzip',
      // As Kafka's Java client (and kafkajs) place a key: a request's events land where other clients expect them.
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      // A few quick retries keep each operation well inside sendTimeoutMs; the spool takes over from there.
      connectTimeout: Math.min(1_000, this.sendTimeoutMs),
      requestTimeout: this.sendTimeoutMs,
      timeout: this.sendTimeoutMs,
      retries: 2,
      retryDelay: 100,
    });
    try {
      // Asks the broker for a producer id: the first round trip, so it also proves the connection.
      await abortable(producer.initIdempotentProducer({}), AbortSignal.any([AbortSignal.timeout(this.sendTimeoutMs), this.graceOver.signal]));
    } catch (error) {
      this.discard(producer);
      this.markDown(error, 'connect');
      return false;
    }
    if (this.topicsToCreate.length > 0) {
      try {
        await ensureTopics(this.brokerList, this.topicsToCreate, { logger: this.logger, timeoutMs: this.sendTimeoutMs });
        this.topicsToCreate = [];
      } catch (error) {
        this.discard(producer);
        this.markDown(error, 'connect');
        return false;
      }
    }
    this.producer = producer;
    const wasDown = this.downSince;
    this.link = 'up';
    this.downSince = undefined;
    if (wasDown === undefined) this.logger.info({ brokers: this.brokers }, 'kafka-connected');
    else this.logger.info({ brokers: this.brokers, downForMs: Date.now() - wasDown, eventsInSpool: this.spool.pendingEvents }, 'kafka-reconnected');
    return true;
  }

  /**
   * Sends a batch read from the spool, isolating the records the broker
   * refuses for good and dead-lettering them. Resolves with how many events
   * Kafka acknowledged on their topic, or undefined when Kafka failed
   * otherwise (the recovery loop waits and reads the batch again).
   */
  private async replay(events: EncodedEvent[]): Promise<number | undefined> {
    let rejected: Array<RejectedItem<EncodedEvent>>;
    try {
      rejected = await writeIsolatingRejected(events, {
        maxItems: events.length,
        maxBytes: Number.POSITIVE_INFINITY,
        maxItemBytes: Number.POSITIVE_INFINITY,
        sizeOf: (event) => event.value.length,
        write: (part) => this.produce(part, []),
      });
    } catch {
      return undefined;
    }
    if (rejected.length > 0 && !(await this.deadLetter(rejected))) return undefined;
    return events.length - rejected.length;
  }

  /**
   * Sends refused records to the dead-letter topic, each with its original
   * key, value and headers plus why and where from. False when Kafka failed
   * transiently (the batch is replayed again); records the dead-letter topic
   * refuses too are dropped (`rejected`).
   */
  private async deadLetter(rejected: Array<RejectedItem<EncodedEvent>>): Promise<boolean> {
    const at = new Date().toISOString();
    const messages: KafkaMessage[] = rejected.map(({ item, reason, message }) => ({
      topic: this.topicPrefix + DEAD_LETTER_TOPIC,
      key: item.key,
      value: asBuffer(item.value),
      headers: {
        ...item.headers,
        [DEAD_LETTER_HEADERS.reason]: message,
        [DEAD_LETTER_HEADERS.error]: 'EventRejected',
        [DEAD_LETTER_HEADERS.cause]: reason,
        [DEAD_LETTER_HEADERS.sink]: 'kafka',
        [DEAD_LETTER_HEADERS.sourceTopic]: this.topicPrefix + item.topic,
        [DEAD_LETTER_HEADERS.deadLetteredAt]: at,
      },
    }));
    let kept = true;
    try {
      await this.sendMessages(messages, []);
    } catch (error) {
      if (classifyWriteFailure(error).kind === 'transient') return false;
      this.logger.error({ err: error, events: rejected.length }, 'dead-letter-write-refused');
      kept = false;
    }
    for (const { item, reason, message } of rejected) {
      this.logger.warn({ sink: 'kafka', topic: item.topic, key: item.key, reason, error: message, deadLettered: kept }, 'event-rejected');
      if (kept) this.metrics?.deadLettered(reason, 'kafka', 1);
    }
    if (!kept) this.drops.drop('rejected', rejected.length);
    return true;
  }

  /** `produce`, reporting a failure as false (the caller spools the batch). */
  private async send(events: EncodedEvent[], signals: AbortSignal[]): Promise<boolean> {
    try {
      await this.produce(events, signals);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends the events on their topics (see `sendMessages`) and counts them as published. */
  private async produce(events: EncodedEvent[], signals: AbortSignal[]): Promise<void> {
    const messages: KafkaMessage[] = [];
    const perTopic = new Map<string, number>();
    for (const event of events) {
      // The producer's default value serializer passes the value through: it must already be a Buffer.
      messages.push({ topic: this.topicPrefix + event.topic, key: event.key, value: asBuffer(event.value), headers: event.headers });
      perTopic.set(event.topic, (perTopic.get(event.topic) ?? 0) + 1);
    }
    await this.sendMessages(messages, signals);
    for (const [topic, count] of perTopic) this.metrics?.published(topic, count);
  }

  /**
   * One `send` for the whole batch, in order, bounded by `sendTimeoutMs`,
   * the close grace period and the given signals. On failure the producer is
   * discarded (a send that timed out on our side may still be retrying
   * inside it; one the broker refused may have spent sequence numbers) and
   * the error thrown. When Kafka is at fault the recovery loop reconnects;
   * when the broker refused the records, a new producer is connected at
   * once, so that their neighbours can be sent on their own.
   */
  private async sendMessages(messages: KafkaMessage[], signals: AbortSignal[]): Promise<void> {
    const producer = this.producer;
    if (!producer || this.link !== 'up') throw new Error('Kafka is not connected.');
    try {
      await abortable(producer.send({ messages }), AbortSignal.any([AbortSignal.timeout(this.sendTimeoutMs), this.graceOver.signal, ...signals]));
    } catch (error) {
      if (this.producer === producer) {
        this.producer = undefined;
        this.discard(producer);
      }
      const cause = this.graceOver.signal.aborted ? 'close' : signals.some((signal) => signal.aborted) ? 'queue-full' : 'send';
      if (cause === 'send' && classifyWriteFailure(error).kind !== 'transient') {
        this.logger.warn({ err: error, events: messages.length }, 'kafka-records-refused');
        this.link = 'connecting';
        await this.connect();
      } else {
        this.markDown(error, cause);
      }
      throw error;
    }
  }

  /**
   * Kafka is not to be used until the recovery loop has reconnected. `cause`
   * says why: a failed connect or send (logged once per outage at warn), a
   * full queue that could not wait for a slow send, or the end of the close
   * grace period.
   */
  private markDown(error: unknown, cause: 'connect' | 'send' | 'queue-full' | 'close'): void {
    const firstFailure = this.link !== 'down';
    this.link = 'down';
    this.recoveryWakeup.notify();
    if (cause === 'close') return;
    if (cause === 'queue-full') {
      this.logger.warn({ brokers: this.brokers, queueCapacity: this.queueCapacity }, 'event-queue-full-spilling');
      return;
    }
    this.downSince ??= Date.now();
    if (firstFailure) this.logger.warn({ brokers: this.brokers, err: error, eventsInSpool: this.spool.pendingEvents }, 'kafka-unreachable');
    else this.logger.debug({ err: error }, 'kafka-reconnect-failed');
  }

  /** Disconnects a producer in the background; `close` waits for it. */
  private discard(producer: EventProducer): void {
    // Forced: requests still in flight fail rather than keep the connections open.
    const disconnecting = abortable(forceClose(producer), AbortSignal.timeout(this.sendTimeoutMs))
      .catch(() => undefined)
      .finally(() => this.discarding.delete(disconnecting));
    this.discarding.add(disconnecting);
  }

  private async disconnect(): Promise<void> {
    if (this.producer) this.discard(this.producer);
    this.producer = undefined;
    await Promise.all(this.discarding);
  }
}

type EventProducer = Producer<string, Buffer, string, string>;
type KafkaMessage = MessageToProduce<string, Buffer, string, string>;

function forceClose(producer: EventProducer): Promise<void> {
  return new Promise((resolve, reject) => producer.close(true, (error) => (error ? reject(error) : resolve())));
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
