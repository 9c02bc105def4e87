import type { Logger } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { purgeExpiredData, type PurgedData } from './purge-expired-data';
import { purgeExpiredScores } from '../feedback/purge-expired-scores';

const DAY_MS = 86_400_000;

export interface RetentionJobOptions {
  /** Request data older than this many days is purged. */
  retentionDays: number;
  logger: Logger;
  /** Between purges; default one hour. */
  intervalMs?: number;
  /** Told after each purge, e.g. for an audit record. */
  onPurged?: (purged: PurgedData, before: Date) => void;
  /** The clock; injectable for tests. */
  now?: () => Date;
}

/**
 * Purges expired request data at start and then every `intervalMs`, in the
 * process that writes the events (the observability consumer, or the one
 * process). A purge that fails is logged and tried again next time.
 */
export class RetentionJob {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly executor: SqlExecutor | Promise<SqlExecutor>,
    private readonly options: RetentionJobOptions,
  ) {}

  start(): void {
    this.running = this.purgeNow();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.purgeNow());
    }, this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  /** Purges once; resolves with what was purged, or undefined when it failed (logged). */
  async purgeNow(): Promise<PurgedData | undefined> {
    const { options } = this;
    const before = new Date((options.now?.() ?? new Date()).getTime() - options.retentionDays * DAY_MS);
    try {
      const purged = await purgeExpiredData(await this.executor, before, this.controller.signal);
      const scores = await purgeExpiredScores(await this.executor, before, this.controller.signal);
      options.logger.info({ before: before.toISOString(), ...purged, scores }, 'retention-purged');
      options.onPurged?.(purged, before);
      return purged;
    } catch (error) {
      options.logger.error({ err: error, before: before.toISOString() }, 'retention-purge-failed');
      return undefined;
    }
  }

  /** Stops the schedule and waits for a purge under way (it stops between batches). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.controller.abort();
    await this.running.catch(() => undefined);
  }
}
