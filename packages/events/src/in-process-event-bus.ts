import { setTimeout as delay } from 'node:timers/promises';
import { EVENTS_DEFAULTS, type Logger } from '@switchyard/shared';
import { Backoff } from './backoff';
import { DropReporter } from './drop-reporter';
import type { EventPublisher, EventSink } from './event-publisher';
import { EventQueue } from './event-queue';
import { approximateEventBytes, type DeadLetter, type DeadLetterSink } from './poison/dead-letters';
import { TransientWriteError, writeIsolatingRejected, type RejectedItem } from './poison/isolate-rejected';
import { classifyWriteFailure } from './poison/write-failure';
import type { PublisherMetrics } from './publisher-metrics';
import type { SwitchyardEvent } from './switchyard-event';
import { TOPICS, type Topic } from './topics';
import { Wakeup } from './wakeup';

export interface InProcessEventBusOptions {
  /** Events waiting in memory at most; past it `publish` drops the event (counted and logged). Default 10,000. */
  queueCapacity?: number;
  /** Events handed to a sink in one `writeBatch` at most. Default 500. */
  batchMaxEvents?: number;
  /** Bytes (about, as encoded) handed to a sink in one `writeBatch` at most; a larger batch is written in parts. Default 4 MiB. */
  batchMaxBytes?: number;
  /** An event larger than this (about, as encoded) is dead-lettered (`event_too_large`) rather than written. Default 1,000,000 bytes, as Kafka takes. */
  maxEventBytes?: number;
  /**
   * Where events a sink refuses for their content are set aside (embedded
   * mode: the `dead_letters` table). Without one they are counted as
   * dropped (`rejected`). Either way the rest of their batch is written.
   */
  deadLetters?: DeadLetterSink;
  /** How long the loop waits for more events before it delivers a batch that is not full. Default 50 ms (config `events.lingerMs`). */
  lingerMs?: number;
  /** First wait before a failed `writeBatch` is tried again; it doubles up to `retryMaxMs`. Default 100 ms. */
  retryInitialMs?: number;
  /** Longest wait between tries of a failing sink. Default 5 s. */
  retryMaxMs?: number;
  /** How long `close` keeps trying to deliver what is queued; what is still undelivered then is dropped. Default 10 s. */
  closeTimeoutMs?: number;
  logger: Logger;
  metrics?: PublisherMetrics;
}

class DeliveryAbandoned extends Error {}

/**
 * The event publisher of embedded mode, where no Kafka is involved: events
 * go from `publish` to every subscribed sink in the same process.
 *
 * `publish` puts the event on a bounded queue and returns. One background
 * loop takes batches off the queue in order and hands each batch to every
 * sink; the next batch waits until every sink has written this one, so each
 * sink sees every event once, in publish order. A sink that fails is tried
 * again with the same batch, with exponential backoff, for as long as it
 * takes (the other sinks are not called again); meanwhile new events wait
 * on the queue, and only when it is full are they dropped.
 *
 * Events published while no sink is subscribed are delivered to nobody:
 * subscribe sinks before publishing.
 */
export class InProcessEventBus implements EventPublisher {
  private readonly queueCapacity: number;
  private readonly batchMaxEvents: number;
  private readonly batchMaxBytes: number;
  private readonly maxEventBytes: number;
  private readonly deadLetters: DeadLetterSink | undefined;
  private readonly lingerMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly logger: Logger;
  private readonly metrics: PublisherMetrics | undefined;
  private readonly drops: DropReporter;

  private readonly sinks: EventSink[] = [];
  private readonly queue = new EventQueue<SwitchyardEvent>();
  private readonly wakeup = new Wakeup();
  /** Aborted when `close` gives up on delivery; ends the sinks' backoff waits. */
  private readonly abandon = new AbortController();
  private readonly flushWaiters: Array<{ target: number; resolve: () => void }> = [];
  private accepted = 0;
  /** Events written by every sink, or given up on at close. */
  private settled = 0;
  private state: 'running' | 'closing' | 'closed' = 'running';
  private closing: Promise<void> | undefined;
  private readonly loop: Promise<void>;

  constructor(options: InProcessEventBusOptions) {
    this.queueCapacity = options.queueCapacity ?? EVENTS_DEFAULTS.queueCapacity;
    this.batchMaxEvents = options.batchMaxEvents ?? 500;
    this.batchMaxBytes = options.batchMaxBytes ?? 4 * 1024 * 1024;
    this.maxEventBytes = options.maxEventBytes ?? 1_000_000;
    this.deadLetters = options.deadLetters;
    this.lingerMs = options.lingerMs ?? EVENTS_DEFAULTS.lingerMs;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.drops = new DropReporter(this.logger, this.metrics);
    this.loop = this.run();
  }

  publish(event: SwitchyardEvent): void {
    if (this.state === 'closed') {
      this.drops.drop('closed', 1);
      return;
    }
    if (this.queue.length >= this.queueCapacity) {
      this.drops.drop('queue_full', 1);
      return;
    }
    this.queue.push(event);
    this.accepted++;
    this.metrics?.queueDepth(this.queue.length);
    // The loop needs waking only when it may be idle or lingering for a full batch.
    if (this.queue.length === 1 || this.queue.length === this.batchMaxEvents) this.wakeup.notify();
  }

  /** Adds a sink; every event published from now on is written to it. Returns a function that removes it. */
  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink);
    return () => {
      const index = this.sinks.indexOf(sink);
      if (index !== -1) this.sinks.splice(index, 1);
    };
  }

  /** Resolves once every event published before the call has been written by every sink (or given up on at close). */
  flush(): Promise<void> {
    const target = this.accepted;
    if (this.settled >= target) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ target, resolve }));
  }

  /**
   * Delivers everything queued, then stops. A sink still failing after
   * `closeTimeoutMs` makes the rest count as dropped (`undelivered_at_close`).
   * Events published once `close` has finished are dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.state = 'closing';
    this.wakeup.notify();
    const timer = setTimeout(() => {
      this.abandon.abort();
      this.wakeup.notify();
    }, this.closeTimeoutMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
      this.state = 'closed';
      this.drops.flush();
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.state !== 'running') return;
        await this.wakeup.wait();
        continue;
      }
      if (this.abandon.signal.aborted) {
        this.giveUp(this.queue.take(this.queue.length));
        continue;
      }
      await this.linger();
      const batch = this.queue.take(this.batchMaxEvents);
      this.metrics?.queueDepth(this.queue.length);
      const sinks = [...this.sinks];
      try {
        await Promise.all(sinks.map((sink) => this.deliver(sink, batch)));
      } catch (error) {
        if (!(error instanceof DeliveryAbandoned)) throw error;
        this.giveUp(batch);
        continue;
      }
      if (sinks.length > 0) for (const [topic, count] of countByTopic(batch)) this.metrics?.published(topic, count);
      this.settle(batch.length);
    }
  }

  /** Waits up to `lingerMs` for the batch to fill, unless closing. */
  private async linger(): Promise<void> {
    if (this.lingerMs <= 0) return;
    const deadline = Date.now() + this.lingerMs;
    while (this.queue.length < this.batchMaxEvents && this.state === 'running') {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await this.wakeup.wait(remaining);
    }
  }

  /**
   * Writes the batch to one sink, setting aside what it refuses for its
   * content, and trying again with backoff after a transient failure until
   * it succeeds or `close` gives up.
   */
  private async deliver(sink: EventSink, batch: SwitchyardEvent[]): Promise<void> {
    const backoff = new Backoff(this.retryInitialMs, this.retryMaxMs);
    for (let attempt = 1; ; attempt++) {
      try {
        const rejected = await writeIsolatingRejected(batch, {
          maxItems: batch.length,
          maxBytes: this.batchMaxBytes,
          maxItemBytes: this.maxEventBytes,
          sizeOf: approximateEventBytes,
          write: (part) => Promise.resolve().then(() => sink.writeBatch(part)),
        });
        if (rejected.length > 0) await this.setAside(sink.name, rejected);
        if (attempt > 1) this.logger.info({ sink: sink.name, attempts: attempt }, 'event-sink-recovered');
        return;
      } catch (error) {
        if (this.abandon.signal.aborted) throw new DeliveryAbandoned();
        const delayMs = backoff.next();
        const cause = error instanceof TransientWriteError ? error.cause : error;
        this.logger.warn({ sink: sink.name, attempt, retryInMs: delayMs, events: batch.length, err: cause }, 'event-sink-write-failed');
        await delay(delayMs, undefined, { signal: this.abandon.signal }).catch(() => undefined);
        if (this.abandon.signal.aborted) throw new DeliveryAbandoned();
      }
    }
  }

  /**
   * Hands refused events to the dead-letter store and counts them. A
   * transient failure of that store is thrown (the batch is written again,
   * idempotently, and the events set aside again); one it refuses too, or
   * no store at all, counts them as dropped.
   */
  private async setAside(sinkName: string, rejected: Array<RejectedItem<SwitchyardEvent>>): Promise<void> {
    const letters: DeadLetter[] = rejected.map(({ item, reason, message }) => ({ event: item, sink: sinkName, reason, message }));
    let kept = this.deadLetters !== undefined;
    if (this.deadLetters) {
      try {
        await this.deadLetters.writeDeadLetters(letters);
      } catch (error) {
        if (classifyWriteFailure(error).kind === 'transient') throw error;
        this.logger.error({ sink: sinkName, err: error }, 'dead-letter-write-refused');
        kept = false;
      }
    }
    for (const letter of letters) {
      this.logger.warn(
        {
          sink: sinkName,
          reason: letter.reason,
          eventId: letter.event.event.eventId,
          requestId: letter.event.event.requestId,
          error: letter.message,
          deadLettered: kept,
        },
        'event-rejected',
      );
      if (kept) this.metrics?.deadLettered(letter.reason, sinkName, 1);
    }
    if (!kept) this.drops.drop('rejected', letters.length);
  }

  private giveUp(events: SwitchyardEvent[]): void {
    this.metrics?.queueDepth(this.queue.length);
    this.drops.drop('undelivered_at_close', events.length);
    this.settle(events.length);
  }

  private settle(count: number): void {
    this.settled += count;
    for (let index = this.flushWaiters.length - 1; index >= 0; index--) {
      const waiter = this.flushWaiters[index];
      if (this.settled >= waiter.target) {
        this.flushWaiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }
}

/** The topic each kind travels on in distributed mode, used as the metric label (a new kind fails to compile until added). */
const TOPIC_OF_KIND: Record<SwitchyardEvent['kind'], Topic> = {
  'request-completed': TOPICS.requestCompleted,
  'cost-recorded': TOPICS.costRecorded,
  'spans-received': TOPICS.spansReceived,
};

function countByTopic(batch: readonly SwitchyardEvent[]): Map<Topic, number> {
  const counts = new Map<Topic, number>();
  for (const item of batch) {
    const topic = TOPIC_OF_KIND[item.kind];
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return counts;
}
