import type { Logger } from '@switchyard/shared';
import type { RouterSnapshot, SnapshotSource } from './router-snapshot';

/** What a follower reports, for the gateway's metrics. */
export interface SnapshotFollowerMetrics {
  /** A snapshot version was applied. */
  applied(version: number): void;
  /** Routes are served from the last snapshot while the router cannot be reached (true), or not any more. */
  stale(isStale: boolean): void;
}

export interface SnapshotFollowerOptions {
  /** Who watches, for the router's logs. */
  watcher: string;
  /** First wait before watching again; doubles per failed try up to `reconnectMaxMs`. */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** Uniform in [0, 1), for the jitter; Math.random unless a test injects another. */
  random?: () => number;
  logger: Logger;
  metrics?: SnapshotFollowerMetrics;
}

/**
 * Follows a router's snapshots: watches, hands each new version to `apply`,
 * and when the watch fails or ends watches again after a back-off with full
 * jitter, keeping the last snapshot meanwhile. An outage is logged once when
 * it starts and once when it ends, not at every try.
 */
export class SnapshotFollower {
  private readonly closing = new AbortController();
  private running: Promise<void> | undefined;
  private appliedVersion = 0;
  private watching = false;
  private outage = false;
  private readonly firstApplied: Promise<void>;
  private resolveFirst!: () => void;

  constructor(
    private readonly source: SnapshotSource,
    private readonly apply: (snapshot: RouterSnapshot) => void,
    private readonly options: SnapshotFollowerOptions,
  ) {
    this.firstApplied = new Promise((resolve) => (this.resolveFirst = resolve));
  }

  /** The version applied last; 0 before any. */
  get version(): number {
    return this.appliedVersion;
  }

  /** Whether a watch is open now (the router is reachable). */
  get connected(): boolean {
    return this.watching;
  }

  start(): void {
    this.running ??= this.follow();
  }

  /** Resolves once a first snapshot has been applied, or when `signal` aborts (then rejects with its reason). */
  whenFirstApplied(signal: AbortSignal): Promise<void> {
    if (this.appliedVersion > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const abort = () => reject(signal.reason);
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      void this.firstApplied.then(() => {
        signal.removeEventListener('abort', abort);
        resolve();
      });
    });
  }

  /** Stops watching; resolves once the loop is over. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.running;
  }

  private async follow(): Promise<void> {
    const { signal } = this.closing;
    let failures = 0;
    while (!signal.aborted) {
      let reason = 'the router ended the watch';
      let snapshots: AsyncIterator<RouterSnapshot> | undefined;
      try {
        // Raced with closing, so that a source that does not heed the signal cannot hold up `close`.
        const opened = await untilAborted(this.source.watch({ watcher: this.options.watcher, knownVersion: this.appliedVersion }, signal), signal);
        snapshots = opened?.[Symbol.asyncIterator]();
        const iterator = snapshots;
        const next = () => untilAborted(iterator?.next(), signal);
        for (let result = await next(); result !== undefined && !result.done; result = await next()) {
          if (!this.watching) {
            this.watching = true;
            failures = 0;
            this.reachable();
          }
          this.receive(result.value);
        }
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      } finally {
        if (signal.aborted) void snapshots?.return?.()?.catch(() => {});
      }
      this.watching = false;
      if (signal.aborted) return;
      this.unreachable(reason);
      failures += 1;
      await this.backOff(failures, signal);
    }
  }

  private receive(snapshot: RouterSnapshot): void {
    if (snapshot.version === this.appliedVersion) return;
    try {
      this.apply(snapshot);
    } catch (error) {
      // The last good snapshot keeps serving; the next version may be good again.
      this.options.logger.error({ version: snapshot.version, reason: (error as Error).message }, 'router-snapshot-reject');
      return;
    }
    if (snapshot.version < this.appliedVersion) {
      this.options.logger.warn({ version: snapshot.version, previous: this.appliedVersion }, 'router-snapshot-version-lower');
    }
    const first = this.appliedVersion === 0;
    this.appliedVersion = snapshot.version;
    this.options.metrics?.applied(snapshot.version);
    this.options.logger.info({ version: snapshot.version }, 'router-snapshot-apply');
    if (first) this.resolveFirst();
  }

  private reachable(): void {
    if (!this.outage) return;
    this.outage = false;
    this.options.metrics?.stale(false);
    this.options.logger.info({ version: this.appliedVersion }, 'router-snapshot-resume');
  }

  private unreachable(reason: string): void {
    if (this.outage) return;
    this.outage = true;
    this.options.metrics?.stale(this.appliedVersion > 0);
    this.options.logger.warn(
      { reason, version: this.appliedVersion },
      this.appliedVersion > 0 ? 'router-unreachable-serving-last-snapshot' : 'router-unreachable-no-snapshot',
    );
  }

  /** Full jitter: a wait drawn in [0, min(max, initial * 2^(failures-1))). */
  private backOff(failures: number, signal: AbortSignal): Promise<void> {
    const { reconnectInitialMs, reconnectMaxMs } = this.options;
    const bound = Math.min(reconnectMaxMs, reconnectInitialMs * 2 ** Math.min(failures - 1, 30));
    const waitMs = Math.floor((this.options.random ?? Math.random)() * bound);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** `promise`'s value, or undefined as soon as `signal` aborts (the promise is then left to settle unobserved). */
function untilAborted<T>(promise: Promise<T> | undefined, signal: AbortSignal): Promise<T | undefined> {
  if (promise === undefined || signal.aborted) {
    promise?.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const abort = () => resolve(undefined);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
