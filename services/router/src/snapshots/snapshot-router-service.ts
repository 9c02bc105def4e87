import {
  GatewayError,
  type CallContext,
  type DeploymentStatistics,
  type LiveStatistics,
  type Logger,
  type ModelFactsLookup,
  type ModelEntry,
  type RequestFeatures,
  type RoutePlan,
  type RouterReadiness,
  type RouterService,
} from '@switchyard/shared';
import { LocalRouterService } from '../router-service';
import type { RouterSnapshot, SnapshotSource } from './router-snapshot';
import { SnapshotFollower, type SnapshotFollowerMetrics } from './snapshot-follower';

export interface SnapshotRouterServiceOptions {
  /** Who watches, for the router's logs (a gateway's instance id). */
  watcher: string;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** How long a request that arrives before the first snapshot waits for one before it fails with 503. */
  firstSnapshotWaitMs: number;
  logger: Logger;
  metrics?: SnapshotFollowerMetrics;
  /** For `weighted` routes and the reconnect jitter; Math.random unless a test injects another. */
  random?: () => number;
  /** This gateway's live statistics (a `StatisticsTracker` fed from its requests), for the strategies that read them. */
  statistics?: LiveStatistics;
  /** The model catalog's facts, for `lowest-cost` (as `LocalRouterService` takes them). */
  modelFacts?: ModelFactsLookup;
}

/**
 * A router resolved locally from a router's snapshots (the gateway's side of
 * the control plane): no call to the router per request. Each snapshot
 * builds a `LocalRouterService` (reused when only the discovered lists
 * changed, so strategy state such as round-robin positions survives), and
 * routes keep being resolved from the last one while the router is away.
 */
export class SnapshotRouterService implements RouterService {
  private router: LocalRouterService | undefined;
  private routingJson = '';
  private discoveredJson = '';
  private discoveredVersion = 0;
  private deployments: Readonly<Record<string, DeploymentStatistics>> = {};
  private readonly follower: SnapshotFollower;

  /** What the router knows of the fleet's deployments, from the last snapshot. */
  readonly fleetStatistics: LiveStatistics = { get: (deploymentId) => this.deployments[deploymentId] };

  constructor(
    source: SnapshotSource,
    private readonly options: SnapshotRouterServiceOptions,
  ) {
    this.follower = new SnapshotFollower(source, (snapshot) => this.apply(snapshot), options);
  }

  /** The snapshot version routes are resolved from; 0 before the first. */
  get version(): number {
    return this.follower.version;
  }

  start(): void {
    this.follower.start();
  }

  close(): Promise<void> {
    return this.follower.close();
  }

  readiness(): RouterReadiness {
    if (this.router === undefined) return 'waiting';
    return this.follower.connected ? 'ready' : 'stale';
  }

  /** Resolves once routes can be resolved; rejects with a 503 after `timeoutMs`. */
  async whenReady(timeoutMs = this.options.firstSnapshotWaitMs): Promise<void> {
    await this.current(AbortSignal.timeout(timeoutMs));
  }

  async resolveRoute(model: string, context: CallContext, features?: RequestFeatures): Promise<RoutePlan> {
    const router = this.router ?? (await this.current(context.signal));
    return router.resolveRoute(model, context, features);
  }

  async listModels(context: CallContext): Promise<ModelEntry[]> {
    const router = this.router ?? (await this.current(context.signal));
    return router.listModels(context);
  }

  private apply(snapshot: RouterSnapshot): void {
    const routingJson = JSON.stringify(snapshot.routing);
    const discoveredJson = JSON.stringify(snapshot.discoveredModels);
    let router = this.router;
    if (router === undefined || routingJson !== this.routingJson) {
      // Throws ConfigError for routes this gateway cannot build; the follower then keeps the last ones.
      router = new LocalRouterService(snapshot.routing, {
        random: this.options.random,
        statistics: this.options.statistics,
        modelFacts: this.options.modelFacts,
      });
      this.discoveredJson = '';
    }
    if (discoveredJson !== this.discoveredJson) {
      this.discoveredVersion += 1;
      router.applyDiscoveredModels({ version: this.discoveredVersion, providers: snapshot.discoveredModels });
    }
    this.router = router;
    this.routingJson = routingJson;
    this.discoveredJson = discoveredJson;
    this.deployments = snapshot.deployments;
  }

  /** The router once a first snapshot is there, waiting at most `firstSnapshotWaitMs` (and no longer than the request). */
  private async current(signal: AbortSignal): Promise<LocalRouterService> {
    if (this.router !== undefined) return this.router;
    const waited = AbortSignal.any([signal, AbortSignal.timeout(this.options.firstSnapshotWaitMs)]);
    try {
      await this.follower.whenFirstApplied(waited);
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      throw routerUnavailable();
    }
    return this.router!;
  }
}

function routerUnavailable(): GatewayError {
  return new GatewayError('No routes yet: the router has not been reached since this gateway started. Try again shortly.', {
    status: 503,
    errorClass: 'unavailable',
    code: 'router_unavailable',
    retryable: true,
  });
}
