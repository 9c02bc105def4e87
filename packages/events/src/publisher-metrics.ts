import { Counter, Gauge, type Registry } from 'prom-client';

/** Why an event was given up on. */
export type DropReason =
  /** The in-memory queue was full (Kafka publisher: even the spill margin behind it). */
  | 'queue_full'
  /** The spool had reached its maximum size. */
  | 'spool_full'
  /** The spool could not be written (a disk error). */
  | 'spool_failed'
  /** `publish` was called after the publisher had stopped. */
  | 'closed'
  /** The event could not be encoded (a bug in the caller). */
  | 'invalid_event'
  /** The encoded event is larger than Kafka would take (`maxEventBytes`). */
  | 'event_too_large'
  /** The in-process bus was closed while a sink still refused the events. */
  | 'undelivered_at_close'
  /**
   * The publisher's thread stopped unexpectedly with these events handed to
   * it and not yet reported delivered or spooled (some may have reached the
   * spool just before, and are then sent after all).
   */
  | 'publisher_thread_failed'
  /**
   * A sink (or Kafka) refused the event for its content, and it could not
   * be dead-lettered either (no dead-letter store, or that refused it too).
   */
  | 'rejected';

/** What a publisher reports as it works; `EventPublisherMetrics` turns it into Prometheus metrics. */
export interface PublisherMetrics {
  published(topic: string, count: number): void;
  spooled(count: number): void;
  replayed(count: number): void;
  dropped(reason: DropReason, count: number): void;
  /** Events a sink (or Kafka) refused for their content, set aside as dead letters; `reason` as `WriteFailure.reason`. */
  deadLettered(reason: string, sink: string, count: number): void;
  queueDepth(events: number): void;
  spoolBytes(bytes: number): void;
}

/**
 * Prometheus metrics of the event publishers, named
 * `switchyard_<area>_<thing>_<unit>`. One instance per registry; both
 * publishers take it.
 */
export class EventPublisherMetrics implements PublisherMetrics {
  private readonly publishedEvents: Counter<'topic'>;
  private readonly spooledEvents: Counter;
  private readonly replayedEvents: Counter;
  private readonly droppedEvents: Counter<'reason'>;
  private readonly deadLetteredEvents: Counter<'reason' | 'sink'>;
  private readonly queueDepthGauge: Gauge;
  private readonly spoolBytesGauge: Gauge;

  constructor(readonly registry: Registry) {
    this.publishedEvents = new Counter({
      name: 'switchyard_events_published_total',
      help: 'Events delivered: acknowledged by Kafka, or written by every sink of the in-process bus.',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.spooledEvents = new Counter({
      name: 'switchyard_events_spooled_total',
      help: 'Events written to the local spool because Kafka was unreachable or behind.',
      registers: [registry],
    });
    this.replayedEvents = new Counter({
      name: 'switchyard_events_replayed_total',
      help: 'Events read back from the spool and acknowledged by Kafka.',
      registers: [registry],
    });
    this.droppedEvents = new Counter({
      name: 'switchyard_events_dropped_total',
      help: 'Events given up on, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.deadLetteredEvents = new Counter({
      name: 'switchyard_events_dead_lettered_total',
      help: 'Events a store refused for their content, set aside as dead letters (the rest of their batch written), by reason and sink.',
      labelNames: ['reason', 'sink'],
      registers: [registry],
    });
    this.queueDepthGauge = new Gauge({
      name: 'switchyard_events_queue_depth',
      help: 'Events waiting in memory to be delivered or spooled.',
      registers: [registry],
    });
    this.spoolBytesGauge = new Gauge({
      name: 'switchyard_events_spool_bytes',
      help: 'Bytes of spool segment files on disk.',
      registers: [registry],
    });
  }

  published(topic: string, count: number): void {
    this.publishedEvents.inc({ topic }, count);
  }

  spooled(count: number): void {
    this.spooledEvents.inc(count);
  }

  replayed(count: number): void {
    this.replayedEvents.inc(count);
  }

  dropped(reason: DropReason, count: number): void {
    this.droppedEvents.inc({ reason }, count);
  }

  deadLettered(reason: string, sink: string, count: number): void {
    this.deadLetteredEvents.inc({ reason, sink }, count);
  }

  queueDepth(events: number): void {
    this.queueDepthGauge.set(events);
  }

  spoolBytes(bytes: number): void {
    this.spoolBytesGauge.set(bytes);
  }
}
