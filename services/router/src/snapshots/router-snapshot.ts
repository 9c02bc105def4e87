import type { DeploymentStatistics } from '@switchyard/shared';
import type { RoutingConfig } from './routing-view';

/** One version of everything a gateway needs to resolve routes on its own. */
export interface RouterSnapshot {
  /** Increases with every publication of one router, and across its restarts. */
  readonly version: number;
  readonly routing: RoutingConfig;
  /** Lists of providers configured without `models`, by provider id. */
  readonly discoveredModels: Readonly<Record<string, readonly string[]>>;
  /** What the router knows of the fleet's deployments, by deployment id; empty when nothing. */
  readonly deployments: Readonly<Record<string, DeploymentStatistics>>;
  readonly publishedAtMs: number;
}

/**
 * Where snapshots come from: the publisher itself (one process, tests) or
 * the router's `Watch` over gRPC. `watch` resolves once the current snapshot
 * arrived (a failure to connect rejects), then yields it and each new one
 * until the signal aborts or the source goes away.
 */
export interface SnapshotSource {
  watch(request: { watcher: string; knownVersion: number }, signal: AbortSignal): Promise<AsyncIterable<RouterSnapshot>>;
}
