import type { Logger } from '@switchyard/shared';
import type { DropReason, PublisherMetrics } from './publisher-metrics';

const DEFAULT_LOG_INTERVAL_MS = 10_000;

/**
 * Counts dropped events in the metrics and says so in the log at error
 * level: the first drop of a reason at once, then at most one line per
 * interval per reason, each with how many were dropped since the last line,
 * so an outage cannot flood the log yet no drop goes unreported.
 */
export class DropReporter {
  private readonly unreported = new Map<DropReason, number>();
  private readonly lastLoggedAt = new Map<DropReason, number>();
  private readonly timers = new Map<DropReason, NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: PublisherMetrics | undefined,
    private readonly logIntervalMs: number = DEFAULT_LOG_INTERVAL_MS,
  ) {}

  drop(reason: DropReason, count: number): void {
    if (count <= 0) return;
    this.metrics?.dropped(reason, count);
    this.unreported.set(reason, (this.unreported.get(reason) ?? 0) + count);
    const sinceLast = Date.now() - (this.lastLoggedAt.get(reason) ?? -Infinity);
    if (sinceLast >= this.logIntervalMs) {
      this.report(reason);
    } else if (!this.timers.has(reason)) {
      const timer = setTimeout(() => this.report(reason), this.logIntervalMs - sinceLast);
      timer.unref();
      this.timers.set(reason, timer);
    }
  }

  /** Logs every drop not yet reported; for shutdown. */
  flush(): void {
    for (const reason of [...this.unreported.keys()]) this.report(reason);
  }

  private report(reason: DropReason): void {
    const timer = this.timers.get(reason);
    if (timer) clearTimeout(timer);
    this.timers.delete(reason);
    const dropped = this.unreported.get(reason) ?? 0;
    this.unreported.delete(reason);
    if (dropped === 0) return;
    this.lastLoggedAt.set(reason, Date.now());
    this.logger.error({ reason, dropped }, 'events-dropped');
  }
}
