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

type LaneSettings = Required<Omit<InProcessEventBusOptions, 'deadLetters' | 'metrics' | 'logger'>> &
  Pick<InProcessEventBusOptions, 'deadLetters' | 'metrics' | 'logger'>;

/**
 * The event publisher of embedded mode, where no Kafka is involved: events
 * go from `publish` to every subscribed sink in the same process.
 *
 * Each sink has a lane of its own: a bounded queue and a background loop
 * that takes batches off it in order and writes them. So each sink sees
 * every event once, in publish order, and sinks are independent: a slow or
 * failing sink (InfluxDB down) delays only its own lane while the others
 * (the records in Postgres) keep up. A failing sink is tried again with the
 * same batch, with exponential backoff, for as long as it takes; meanwhile
 * its new events wait on its queue, and only when that is full are they
 * dropped — for that sink alone, counted and logged with its name.
 *
 * Events published while no sink is subscribed are delivered to nobody:
 * subscribe sinks before publishing.
 */
export class InProcessEventBus implements EventPublisher {
  private readonly settings: LaneSettings;
  private readonly logger: Logger;
  private readonly metrics: PublisherMetrics | undefined;
  private readonly drops: DropReporter;
  private readonly lanes: SinkLane[] = [];
  /** Aborted when `close` gives up on delivery; ends the sinks' backoff waits. */
  private readonly abandon = new AbortController();
  private state: 'running' | 'closing' | 'closed' = 'running';
  private closing: Promise<void> | undefined;

  constructor(options: InProcessEventBusOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.settings = {
      queueCapacity: options.queueCapacity ?? EVENTS_DEFAULTS.queueCapacity,
      batchMaxEvents: options.batchMaxEvents ?? 500,
      batchMaxBytes: options.batchMaxBytes ?? 4 * 1024 * 1024,
      maxEventBytes: options.maxEventBytes ?? 1_000_000,
      deadLetters: options.deadLetters,
      lingerMs: options.lingerMs ?? EVENTS_DEFAULTS.lingerMs,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
      logger: options.logger,
      metrics: options.metrics,
    };
    this.drops = new DropReporter(this.logger, this.metrics);
  }

  publish(event: SwitchyardEvent): void {
    if (this.state === 'closed') {
      this.drops.drop('closed', 1);
      return;
    }
    let accepted = false;
    for (const lane of this.lanes) if (lane.offer(event)) accepted = true;
    if (accepted) this.metrics?.published(TOPIC_OF_KIND[event.kind], 1);
    this.reportQueueDepth();
  }

  /** Adds a sink with a lane of its own; every event published from now on is written to it. Returns a function that removes it. */
  subscribe(sink: EventSink): () => void {
    const lane = new SinkLane(sink, this.settings, this.abandon.signal, () => this.reportQueueDepth());
    this.lanes.push(lane);
    return () => {
      const index = this.lanes.indexOf(lane);
      if (index !== -1) this.lanes.splice(index, 1);
      void lane.close();
    };
  }

  /** Resolves once every event published before the call has been written by every sink (or given up on at close). */
  async flush(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.flush()));
  }

  /**
   * Delivers everything queued, then stops. A sink still failing after
   * `closeTimeoutMs` makes the rest of its lane count as dropped
   * (`undelivered_at_close`). Events published once `close` has finished
   * are dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.state = 'closing';
    const timer = setTimeout(() => this.abandon.abort(), this.settings.closeTimeoutMs);
    try {
      await Promise.all(this.lanes.map((lane) => lane.close()));
    } finally {
      clearTimeout(timer);
      this.state = 'closed';
      this.drops.flush();
    }
  }

  /** The deepest lane: how far behind the slowest sink is. */
  private reportQueueDepth(): void {
    let deepest = 0;
    for (const lane of this.lanes) deepest = Math.max(deepest, lane.depth);
    this.metrics?.queueDepth(deepest);
  }
}

/** One sink's queue and the loop that writes it. */
class SinkLane {
  private readonly queue = new EventQueue<SwitchyardEvent>();
  private readonly wakeup = new Wakeup();
  private readonly drops: DropReporter;
  private readonly flushWaiters: Array<{ target: number; resolve: () => void }> = [];
  private accepted = 0;
  /** Events written by the sink, or given up on at close. */
  private settled = 0;
  private closing = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly sink: EventSink,
    private readonly settings: LaneSettings,
    private readonly abandon: AbortSignal,
    private readonly depthChanged: () => void,
  ) {
    this.drops = new DropReporter(withSink(settings.logger, sink.name), settings.metrics);
    this.loop = this.run();
    abandon.addEventListener('abort', () => this.wakeup.notify(), { once: true });
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Queues the event unless the lane is full (then it is dropped for this sink, counted); true when queued. */
  offer(event: SwitchyardEvent): boolean {
    if (this.closing) {
      this.drops.drop('closed', 1);
      return false;
    }
    if (this.queue.length >= this.settings.queueCapacity) {
      this.drops.drop('queue_full', 1);
      return false;
    }
    this.queue.push(event);
    this.accepted++;
    // The loop needs waking only when it may be idle or lingering for a full batch.
    if (this.queue.length === 1 || this.queue.length === this.settings.batchMaxEvents) this.wakeup.notify();
    return true;
  }

  flush(): Promise<void> {
    const target = this.accepted;
    if (this.settled >= target) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ target, resolve }));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wakeup.notify();
    try {
      await this.loop;
    } finally {
      this.drops.flush();
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.closing) return;
        await this.wakeup.wait();
        continue;
      }
      if (this.abandon.aborted) {
        this.giveUp(this.queue.take(this.queue.length));
        continue;
      }
      await this.linger();
      const batch = this.queue.take(this.settings.batchMaxEvents);
      this.depthChanged();
      try {
        await this.deliver(batch);
      } catch (error) {
        if (!(error instanceof DeliveryAbandoned)) throw error;
        this.giveUp(batch);
        continue;
      }
      this.settle(batch.length);
    }
  }

  /** Waits up to `lingerMs` for the batch to fill, unless closing. */
  private async linger(): Promise<void> {
    if (this.settings.lingerMs <= 0) return;
    const deadline = Date.now() + this.settings.lingerMs;
    while (this.queue.length < this.settings.batchMaxEvents && !this.closing) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await this.wakeup.wait(remaining);
    }
  }

  /**
   * Writes the batch, setting aside what the sink refuses for its content,
   * and trying again with backoff after a transient failure until it
   * succeeds or `close` gives up.
   */
  private async deliver(batch: SwitchyardEvent[]): Promise<void> {
    const { sink, settings, abandon } = this;
    const backoff = new Backoff(settings.retryInitialMs, settings.retryMaxMs);
    for (let attempt = 1; ; attempt++) {
      try {
        const rejected = await writeIsolatingRejected(batch, {
          maxItems: batch.length,
          maxBytes: settings.batchMaxBytes,
          maxItemBytes: settings.maxEventBytes,
          sizeOf: approximateEventBytes,
          write: (part) => Promise.resolve().then(() => sink.writeBatch(part)),
        });
        if (rejected.length > 0) await this.setAside(rejected);
        if (attempt > 1) settings.logger.info({ sink: sink.name, attempts: attempt }, 'event-sink-recovered');
        return;
      } catch (error) {
        if (abandon.aborted) throw new DeliveryAbandoned();
        const delayMs = backoff.next();
        const cause = error instanceof TransientWriteError ? error.cause : error;
        settings.logger.warn({ sink: sink.name, attempt, retryInMs: delayMs, events: batch.length, err: cause }, 'event-sink-write-failed');
        await delay(delayMs, undefined, { signal: abandon }).catch(() => undefined);
        if (abandon.aborted) throw new DeliveryAbandoned();
      }
    }
  }

  /**
   * Hands refused events to the dead-letter store and counts them. A
   * transient failure of that store is thrown (the batch is written again,
   * idempotently, and the events set aside again); one it refuses too, or
   * no store at all, counts them as dropped.
   */
  private async setAside(rejected: Array<RejectedItem<SwitchyardEvent>>): Promise<void> {
    const { deadLetters, logger, metrics } = this.settings;
    const sinkName = this.sink.name;
    const letters: DeadLetter[] = rejected.map(({ item, reason, message }) => ({ event: item, sink: sinkName, reason, message }));
    let kept = deadLetters !== undefined;
    if (deadLetters) {
      try {
        await deadLetters.writeDeadLetters(letters);
      } catch (error) {
        if (classifyWriteFailure(error).kind === 'transient') throw error;
        logger.error({ sink: sinkName, err: error }, 'dead-letter-write-refused');
        kept = false;
      }
    }
    for (const letter of letters) {
      logger.warn(
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
      if (kept) metrics?.deadLettered(letter.reason, sinkName, 1);
    }
    if (!kept) this.drops.drop('rejected', letters.length);
  }

  private giveUp(events: SwitchyardEvent[]): void {
    this.depthChanged();
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

/** Log lines of a lane name their sink. */
function withSink(logger: Logger, sink: string): Logger {
  return logger.child({ sink });
}

/** The topic each kind travels on in distributed mode, used as the metric label (a new kind fails to compile until added). */
const TOPIC_OF_KIND: Record<SwitchyardEvent['kind'], Topic> = {
  'request-completed': TOPICS.requestCompleted,
  'cost-recorded': TOPICS.costRecorded,
  'spans-received': TOPICS.spansReceived,
  'transcript-segments-updated': TOPICS.transcriptSegments,
  'conversation-updated': TOPICS.conversationUpdated,
};
