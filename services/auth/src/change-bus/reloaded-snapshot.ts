import type { Logger } from '@switchyard/shared';
import type { LimitChangeBus } from '../stored-limits/limit-change-bus';

export interface SnapshotAttachOptions {
  logger?: Logger;
  /** How often it is read again without a change message: the backstop for a lost one. */
  reloadIntervalMs?: number;
}

/**
 * Stored rules as an in-memory snapshot, so the request path reads them
 * without a database call. Empty until `attach` loads it; read again at
 * once after a change made here (`changed`), on every change message from
 * another process, and every `reloadIntervalMs`. A read that fails keeps
 * the last snapshot; loads are numbered so that a slow older one never
 * replaces a newer snapshot.
 */
export class ReloadedSnapshot<T> {
  private current: T;
  private load?: () => Promise<T>;
  private bus?: LimitChangeBus;
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private logger?: Logger;
  private started = 0;
  private applied = 0;

  /** `logEvents` name its warnings (what follows a failed read is said in the first); `empty` is the snapshot before the first load. */
  constructor(
    private readonly logEvents: { reloadFailed: string; publishFailed: string },
    empty: T,
    private readonly defaultReloadIntervalMs: number,
  ) {
    this.current = empty;
  }

  get value(): T {
    return this.current;
  }

  async attach(load: () => Promise<T>, bus: LimitChangeBus, options: SnapshotAttachOptions = {}): Promise<void> {
    this.load = load;
    this.bus = bus;
    this.logger = options.logger;
    await this.reload();
    this.unsubscribe = bus.subscribe(() => {
      this.reload().catch(() => undefined);
    });
    this.timer = setInterval(() => {
      this.reload().catch(() => undefined);
    }, options.reloadIntervalMs ?? this.defaultReloadIntervalMs);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    const load = this.load;
    if (!load) return;
    const number = ++this.started;
    try {
      const loaded = await load();
      if (number < this.applied) return;
      this.applied = number;
      this.current = loaded;
    } catch (error) {
      this.logger?.warn({ err: error }, this.logEvents.reloadFailed);
      throw error;
    }
  }

  /**
   * After a change made in this process: reloads here before answering, and
   * tells the other processes. Never throws: the change is stored, and a
   * failed reload or message is logged and made up by the periodic reload.
   */
  async changed(): Promise<void> {
    await this.reload().catch(() => undefined);
    await this.bus?.publish().catch((error: unknown) => this.logger?.warn({ err: error }, this.logEvents.publishFailed));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.bus?.close();
  }
}
