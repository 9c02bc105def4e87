import type { KafkaEventPublisherOptions } from '../kafka-event-publisher';
import type { DropReason, PublisherMetrics } from '../publisher-metrics';

/** The publisher's options as they cross to its thread: everything but the logger and the metrics. */
export type ThreadPublisherOptions = Omit<KafkaEventPublisherOptions, 'logger' | 'metrics'>;

export interface PublisherThreadData {
  options: ThreadPublisherOptions;
  /** The parent logger's level, so the thread builds no line the parent would discard. */
  logLevel: string;
  /**
   * Events the thread has taken off its port, counted by the thread (shared
   * memory, `Atomics`): what was posted and not yet taken counts against
   * the queue capacity without a message back per hand-over.
   */
  taken: BigInt64Array;
}

/** What the gateway's thread sends the publisher's thread. */
export type ToPublisherThread =
  /** `count` encoded events in publish order, packed by `HandoffBuffer` (the buffer is transferred). */
  | { type: 'events'; bytes: ArrayBuffer; count: number }
  /** Close the publisher (deliver or spool what is queued), then answer `closed`. */
  | { type: 'close' };

/** What the publisher's thread sends back. */
export type FromPublisherThread =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  /** What the metrics were told since the last report. */
  | { type: 'metrics'; report: MetricsReport }
  /** One pino JSON line. */
  | { type: 'log'; line: string }
  | { type: 'closed' };

/** Counter increments since the last report, and the latest gauge values. */
export interface MetricsReport {
  published: Record<string, number>;
  spooled: number;
  replayed: number;
  dropped: Partial<Record<DropReason, number>>;
  /** By `<reason> <sink>`. */
  deadLettered: Record<string, number>;
  queueDepth?: number;
  spoolBytes?: number;
}

export function emptyReport(): MetricsReport {
  return { published: {}, spooled: 0, replayed: 0, dropped: {}, deadLettered: {} };
}

/** Replays a report into real metrics; `waitingHere` events not yet handed over count in the queue depth. */
export function applyReport(report: MetricsReport, metrics: PublisherMetrics, waitingHere = 0): void {
  for (const [topic, count] of Object.entries(report.published)) metrics.published(topic, count);
  if (report.spooled > 0) metrics.spooled(report.spooled);
  if (report.replayed > 0) metrics.replayed(report.replayed);
  for (const [reason, count] of Object.entries(report.dropped)) metrics.dropped(reason as DropReason, count);
  for (const [key, count] of Object.entries(report.deadLettered)) {
    const [reason, sink] = key.split(' ');
    metrics.deadLettered(reason, sink, count);
  }
  if (report.queueDepth !== undefined) metrics.queueDepth(report.queueDepth + waitingHere);
  if (report.spoolBytes !== undefined) metrics.spoolBytes(report.spoolBytes);
}

/**
 * Events a report accounts for: delivered, spooled or dropped. An event sent
 * from the spool was counted when it was spooled, so replays are taken off.
 */
export function eventsAccountedFor(report: MetricsReport): number {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
  return sum(report.published) + report.spooled + sum(report.dropped) - report.replayed;
}
