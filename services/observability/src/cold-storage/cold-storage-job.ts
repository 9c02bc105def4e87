import type { Logger } from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { exportColdRecords, type ExportedColdRecords } from './export-cold-records';
import { purgeColdObjects } from './purge-cold-objects';
import type { ObjectStore } from './object-store';

const DAY_MS = 86_400_000;

export interface ColdStorageJobOptions {
  /** Records that occurred this many days ago or earlier (whole UTC days) are moved. */
  afterDays: number;
  prefix: string;
  maxRecordsPerObject: number;
  /** `observability.retentionDays`: exported objects whose records are all older are removed after each export. */
  retentionDays?: number;
  logger: Logger;
  /** Between exports; default one hour. */
  intervalMs?: number;
  /** Told after each export that moved something. */
  onExported?: (exported: ExportedColdRecords, before: Date) => void;
  /** The clock; injectable for tests. */
  now?: () => Date;
}

/**
 * Exports old records to cold storage at start and then every `intervalMs`
 * (and, with `retentionDays`, removes exported objects past it),
 * in the process that writes the events (the observability service, or the
 * one process). An export that fails is logged and tried again next time;
 * what it had moved stays moved.
 */
export class ColdStorageJob {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: SqlClient | Promise<SqlClient>,
    private readonly store: ObjectStore,
    private readonly options: ColdStorageJobOptions,
  ) {}

  start(): void {
    this.running = this.exportNow();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.exportNow());
    }, this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  /** Exports once; resolves with what was moved, or undefined when it failed (logged). */
  async exportNow(): Promise<ExportedColdRecords | undefined> {
    const { options } = this;
    const before = new Date((options.now?.() ?? new Date()).getTime() - options.afterDays * DAY_MS);
    try {
      const exported = await exportColdRecords(await this.client, this.store, {
        before,
        prefix: options.prefix,
        maxRecordsPerObject: options.maxRecordsPerObject,
        signal: this.controller.signal,
      });
      if (exported.objects > 0) {
        options.logger.info({ before: before.toISOString(), ...exported }, 'cold-storage-exported');
        options.onExported?.(exported, before);
      }
      if (options.retentionDays !== undefined) {
        const expiredBefore = new Date(before.getTime() + (options.afterDays - options.retentionDays) * DAY_MS);
        const purged = await purgeColdObjects(await this.client, this.store, expiredBefore, this.controller.signal);
        if (purged.objects > 0) options.logger.info({ before: expiredBefore.toISOString(), ...purged }, 'cold-storage-purged');
      }
      return exported;
    } catch (error) {
      options.logger.error({ err: error, before: before.toISOString() }, 'cold-storage-export-failed');
      return undefined;
    }
  }

  /** Stops the schedule and waits for an export under way (it stops between objects). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.controller.abort();
    await this.running.catch(() => undefined);
  }
}
