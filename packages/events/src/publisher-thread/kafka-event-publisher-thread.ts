import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@switchyard/shared';
import { Backoff } from '../backoff';
import { DropReporter } from '../drop-reporter';
import type { EventPublisher } from '../event-publisher';
import { KAFKA_PUBLISHER_DEFAULTS, type KafkaEventPublisherOptions } from '../kafka-event-publisher';
import type { PublisherMetrics } from '../publisher-metrics';
import { encodeEvent, type EncodedEvent, type SwitchyardEvent } from '../switchyard-event';
import { HandoffBuffer } from './handoff';
import {
  applyReport,
  eventsAccountedFor,
  type FromPublisherThread,
  type PublisherThreadData,
  type ThreadPublisherOptions,
  type ToPublisherThread,
} from './thread-protocol';

/**
 * The compiled worker entry. It is JavaScript under `dist/` whether this
 * module runs from `dist/` or (in tests) from `src/`, its sibling.
 */
const WORKER_ENTRY = path.join(__dirname, '..', '..', 'dist', 'publisher-thread', 'kafka-publisher-worker.js');

/** Events handed to the thread in one message at most. */
const POST_MAX_EVENTS = 500;

export interface KafkaEventPublisherThreadOptions extends KafkaEventPublisherOptions {
  /** First wait before a thread that stopped unexpectedly is started again; it doubles up to 30 s. Default 1 s. */
  restartInitialMs?: number;
}

type State = 'running' | 'restarting' | 'closing' | 'closed';

/**
 * A `KafkaEventPublisher` on a thread of its own, so that the thread that
 * serves requests only encodes events and hands them over.
 *
 * `publish` encodes the event (a few µs), frames it into a hand-over buffer
 * and returns. Every `lingerMs` (or every 500 events) the buffer is
 * transferred to the publisher's thread in one message; there the events are
 * sent to Kafka at once (the waiting for a fuller batch was done here) or
 * spooled, exactly as `KafkaEventPublisher` does, with the same options and
 * guarantees. Batching, compression, the Kafka client's requests and
 * acknowledgements, the spool and reconnects all run on that thread, so none
 * of them can stall a request. The thread's log lines are written by this
 * thread's logger and its metrics are reported to this thread's metrics
 * (once a second, and when the thread closes), so nothing changes for
 * whoever reads them.
 *
 * If the thread stops unexpectedly (an uncaught error in it), the events
 * handed to it and not yet reported delivered or spooled are counted as
 * dropped (`publisher_thread_failed`, logged at error), and a new thread is
 * started after a backoff; it replays the spool the old one left. Meanwhile
 * events wait here, up to `queueCapacity`, past which they are dropped
 * (`queue_full`).
 *
 * The hand-over is bounded as well: events posted to the thread that it has
 * not yet taken off its port (a thread stalled, say, in a long synchronous
 * task) count with those waiting here against twice `queueCapacity` (what
 * the publisher on the thread holds in memory at most), so a stalled thread
 * cannot make the port's queue grow without limit; past it, events are
 * dropped (`queue_full`, counted and logged) instead of held.
 */
export class KafkaEventPublisherThread implements EventPublisher {
  private readonly threadOptions: ThreadPublisherOptions;
  private readonly logger: Logger;
  private readonly metrics: PublisherMetrics | undefined;
  private readonly drops: DropReporter;
  private readonly queueCapacity: number;
  private readonly lingerMs: number;
  /** Handed over at once when this many wait, so the thread's queue (and its spill to the spool) sees them. */
  private readonly postMaxEvents: number;
  private readonly maxEventBytes: number;
  private readonly closeTimeoutMs: number;
  private readonly restartBackoff: Backoff;

  private worker: Worker | undefined;
  private state: State = 'running';
  private readonly pending = new HandoffBuffer();
  private postTimer: NodeJS.Timeout | undefined;
  /** Events posted to the current thread, and how many of them its reports account for. */
  private posted = 0;
  /** How many of the posted events the current thread has taken off its port (written by the thread). */
  private taken = new BigInt64Array(new SharedArrayBuffer(8));
  private accounted = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;
  /** Settled when the current thread says it has closed, or stops. */
  private threadClosed: (() => void) | undefined;

  /** Starts the thread and resolves once its publisher is started (spool opened); rejects when it cannot be. */
  static async start(options: KafkaEventPublisherThreadOptions): Promise<KafkaEventPublisherThread> {
    if (!existsSync(WORKER_ENTRY)) {
      throw new Error(`The Kafka publisher's thread code is missing (${WORKER_ENTRY}): build @switchyard/events first (npm run build).`);
    }
    const publisher = new KafkaEventPublisherThread(options);
    await publisher.startThread();
    return publisher;
  }

  private constructor(options: KafkaEventPublisherThreadOptions) {
    const { logger, metrics, restartInitialMs, ...threadOptions } = options;
    // The waiting for a fuller batch happens on this side, before the hand-over.
    this.threadOptions = { ...threadOptions, lingerMs: 0 };
    this.lingerMs = options.lingerMs ?? KAFKA_PUBLISHER_DEFAULTS.lingerMs;
    this.maxEventBytes = options.maxEventBytes ?? KAFKA_PUBLISHER_DEFAULTS.maxEventBytes;
    this.logger = logger;
    this.metrics = metrics;
    this.drops = new DropReporter(logger, metrics);
    this.queueCapacity = options.queueCapacity ?? KAFKA_PUBLISHER_DEFAULTS.queueCapacity;
    this.postMaxEvents = Math.min(POST_MAX_EVENTS, this.queueCapacity);
    this.closeTimeoutMs = options.closeTimeoutMs ?? KAFKA_PUBLISHER_DEFAULTS.closeTimeoutMs;
    this.restartBackoff = new Backoff(restartInitialMs ?? 1_000, 30_000);
  }

  publish(event: SwitchyardEvent): void {
    if (this.state === 'closing' || this.state === 'closed') {
      this.drops.drop('closed', 1);
      return;
    }
    if (this.state !== 'running' ? this.pending.length >= this.queueCapacity : this.pending.length + this.notYetTaken() >= 2 * this.queueCapacity) {
      // The thread is being restarted; or it is stalled with what it was handed, and memory
      // holds as many events as the publisher itself would (twice the capacity) before dropping.
      this.drops.drop('queue_full', 1);
      return;
    }
    let encoded: EncodedEvent;
    try {
      encoded = encodeEvent(event);
      // Checked here too, so an event Kafka would refuse is not copied across.
      if (encoded.value.length > this.maxEventBytes) {
        this.drops.drop('event_too_large', 1);
        return;
      }
      this.pending.add(encoded);
    } catch {
      this.drops.drop('invalid_event', 1);
      return;
    }
    if (this.state !== 'running') return;
    if (this.pending.length >= this.postMaxEvents) {
      this.postPending();
    } else {
      this.postTimer ??= setTimeout(this.postScheduledEvents, this.lingerMs);
    }
  }

  /**
   * Waits for the thread to deliver what it holds, or spool it, within
   * `closeTimeoutMs` (as `KafkaEventPublisher.close` does), then ends it.
   */
  close(): Promise<void> {
    this.closed ??= this.closeNow();
    return this.closed;
  }

  private async closeNow(): Promise<void> {
    const wasRestarting = this.state === 'restarting';
    this.state = 'closing';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (wasRestarting) {
      // No thread to hand the waiting events to; one is started to spool them.
      await this.startThread().catch((error: unknown) => this.logger.error({ err: error }, 'event-publisher-thread-start-failed'));
    }
    const worker = this.worker;
    if (worker) {
      this.postPending();
      const closed = new Promise<void>((resolve) => (this.threadClosed = resolve));
      this.post(worker, { type: 'close' });
      // The thread's own close is bounded by closeTimeoutMs; the margin covers writing the spool.
      const timer = setTimeout(() => this.threadClosed?.(), this.closeTimeoutMs + 5_000);
      await closed;
      clearTimeout(timer);
      this.worker = undefined;
      await worker.terminate();
    }
    this.drops.drop('closed', this.pending.length);
    this.pending.take();
    this.state = 'closed';
    this.drops.flush();
  }

  /** Events posted to the current thread that it has not taken off its port yet. */
  private notYetTaken(): number {
    return this.worker ? this.posted - Number(Atomics.load(this.taken, 0)) : 0;
  }

  private readonly postScheduledEvents = (): void => {
    this.postTimer = undefined;
    this.postPending();
  };

  private postPending(): void {
    if (this.postTimer) clearTimeout(this.postTimer);
    this.postTimer = undefined;
    const worker = this.worker;
    const count = this.pending.length;
    if (!worker || count === 0) return;
    const bytes = this.pending.take();
    this.posted += count;
    this.post(worker, { type: 'events', bytes, count }, [bytes]);
  }

  private post(worker: Worker, message: ToPublisherThread, transfer: ArrayBuffer[] = []): void {
    worker.postMessage(message, transfer);
  }

  private startThread(): Promise<void> {
    const taken = new BigInt64Array(new SharedArrayBuffer(8));
    const data: PublisherThreadData = { options: this.threadOptions, logLevel: this.logger.level, taken };
    const worker = new Worker(WORKER_ENTRY, { workerData: data });
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromPublisherThread) => {
        switch (message.type) {
          case 'started':
            started = true;
            this.worker = worker;
            this.taken = taken;
            this.posted = 0;
            this.accounted = 0;
            if (this.state === 'restarting') {
              this.state = 'running';
              this.logger.info({ eventsWaiting: this.pending.length }, 'event-publisher-thread-restarted');
            }
            this.postPending();
            resolve();
            break;
          case 'start-failed':
            reject(new Error(message.message));
            void worker.terminate();
            break;
          case 'metrics':
            this.accounted += eventsAccountedFor(message.report);
            if (this.metrics) applyReport(message.report, this.metrics, this.pending.length);
            break;
          case 'log':
            this.writeLog(message.line);
            break;
          case 'closed':
            this.threadClosed?.();
            break;
        }
      });
      worker.on('error', (error) => {
        this.logger.error({ err: error }, 'event-publisher-thread-error');
      });
      worker.on('exit', (code) => {
        if (!started) {
          reject(new Error(`The Kafka publisher's thread stopped while starting (exit code ${code}).`));
          return;
        }
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.threadClosed?.();
        if (this.state === 'running') this.restartAfterFailure(code);
      });
    });
  }

  private restartAfterFailure(exitCode: number): void {
    const lost = Math.max(0, this.posted - this.accounted);
    this.logger.error({ exitCode, eventsLost: lost }, 'event-publisher-thread-stopped');
    this.drops.drop('publisher_thread_failed', lost);
    this.state = 'restarting';
    const restart = () => {
      this.restartTimer = undefined;
      if (this.state !== 'restarting') return;
      this.startThread().then(
        () => this.restartBackoff.reset(),
        (error: unknown) => {
          this.logger.error({ err: error }, 'event-publisher-thread-start-failed');
          if (this.state === 'restarting') this.restartTimer = setTimeout(restart, this.restartBackoff.next());
        },
      );
    };
    this.restartTimer = setTimeout(restart, this.restartBackoff.next());
  }

  /** Writes one of the thread's pino lines with this thread's logger, at its level. */
  private writeLog(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = record;
    const label = typeof level === 'number' ? this.logger.levels.labels[level] : undefined;
    const write = label ? (this.logger as unknown as Record<string, unknown>)[label] : undefined;
    if (typeof write === 'function') write.call(this.logger, fields, typeof msg === 'string' ? msg : '');
  }
}
