import type { DeploymentStatistics, Logger } from '@switchyard/shared';
import type { LocalRouterService } from '../router-service';
import type { RouterSnapshot, SnapshotSource } from './router-snapshot';
import { routingView } from './routing-view';

export interface SnapshotPublisherOptions {
  logger: Logger;
  /** Epoch ms; Date.now unless a test injects another clock. */
  now?: () => number;
}

/** One open `watch`: woken whenever a new version is published or the publisher closes. */
interface Watcher {
  wake: () => void;
}

/**
 * The router's side of the control plane: a new snapshot version whenever
 * the router's config or discovered lists change (or the fleet statistics
 * it is given), pushed to every watcher. A slow watcher gets the latest
 * version, never a queue of old ones.
 *
 * Versions start from the clock, so that those of a restarted router
 * continue above the ones it published before.
 */
export class SnapshotPublisher implements SnapshotSource {
  private current: RouterSnapshot;
  private deployments: RouterSnapshot['deployments'] = {};
  private readonly watchers = new Set<Watcher>();
  private readonly now: () => number;
  private readonly stopListening: () => void;
  private closed = false;

  constructor(
    private readonly router: LocalRouterService,
    private readonly options: SnapshotPublisherOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.current = this.build(this.now());
    this.stopListening = router.onChange(() => this.publish());
  }

  /** The version watchers are given now. */
  get snapshot(): RouterSnapshot {
    return this.current;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Publishes what is known of the fleet's deployments (breakers, latencies) with the routes. */
  setDeploymentStatistics(deployments: Readonly<Record<string, DeploymentStatistics>>): void {
    this.deployments = { ...deployments };
    this.publish();
  }

  /** A new version from the router's current state, pushed to every watcher. */
  publish(): RouterSnapshot {
    this.current = this.build(Math.max(this.current.version + 1, this.now()));
    this.options.logger.info({ version: this.current.version, watchers: this.watchers.size }, 'router-snapshot-publish');
    for (const watcher of this.watchers) watcher.wake();
    return this.current;
  }

  async watch(request: { watcher: string; knownVersion: number }, signal: AbortSignal): Promise<AsyncIterable<RouterSnapshot>> {
    if (this.closed) return (async function* () {})();
    const watcher: Watcher = { wake: () => {} };
    this.watchers.add(watcher);
    this.options.logger.info({ watcher: request.watcher, knownVersion: request.knownVersion, version: this.current.version }, 'router-watch-start');
    const wait = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        watcher.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    const stream = async function* (this: SnapshotPublisher): AsyncGenerator<RouterSnapshot> {
      let sent = 0;
      try {
        while (!signal.aborted && !this.closed) {
          if (this.current.version !== sent) {
            sent = this.current.version;
            yield this.current;
          } else {
            await wait();
          }
        }
      } finally {
        this.watchers.delete(watcher);
        this.options.logger.info({ watcher: request.watcher, version: sent }, 'router-watch-end');
      }
    };
    return stream.call(this);
  }

  /** Ends every watch (their gateways keep serving from what they have, and watch again). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    for (const watcher of this.watchers) watcher.wake();
  }

  private build(version: number): RouterSnapshot {
    return Object.freeze({
      version,
      routing: routingView(this.router.routingConfig),
      discoveredModels: this.router.discoveredModels,
      deployments: this.deployments,
      publishedAtMs: this.now(),
    });
  }
}
