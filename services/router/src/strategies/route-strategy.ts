import type { Deployment, DeploymentBudgets, DeploymentProfiles, LiveStatistics, RequestFeatures, RouteNode } from '@switchyard/shared';

/** What a strategy node chooses between: a leaf or a nested node. */
export interface StrategyTarget {
  /** Relative share for `weighted`; 1 when the config leaves it out. */
  readonly weight: number;
  /** Rank for `quality-first`, from the config. */
  readonly score?: number;
  /** How a `conditional` rule may name it. */
  readonly name?: string;
  /** Every deployment this target may lead to: a leaf's own, a node's leaves', in config order. */
  readonly deployments: readonly Deployment[];
}

/** What strategies may draw on besides their targets; fixed when the route is compiled. */
export interface StrategyContext {
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Prices and capabilities, for `lowest-cost`; nothing known when absent. */
  readonly profiles?: DeploymentProfiles;
  /** Spent budgets, for `budget-aware`; none spent when absent. */
  readonly budgets?: DeploymentBudgets;
}

/**
 * Called on every request with what is known of it and of the deployments
 * right now: the targets to expand, in the order they are tried. Only the
 * first is used by the gateway unless it fails with a retryable error.
 */
export type TargetSelector<Target> = (features: RequestFeatures, statistics: LiveStatistics) => readonly Target[];

/**
 * Compiles one strategy node, once, at construction. Everything that can be
 * worked out ahead (cumulative weights, one-element arrays, profiles) is
 * worked out here, and state kept across requests (a round-robin counter)
 * lives in the returned selector, so choosing allocates little or nothing.
 * `node` is the node's own config (its strategy's settings). Throws an
 * `Error` when the targets do not suit the strategy.
 */
export type RouteStrategy<Node extends RouteNode = RouteNode> = <Target extends StrategyTarget>(
  targets: readonly Target[],
  context: StrategyContext,
  node: Node,
) => TargetSelector<Target>;

/**
 * Whether a target may be tried now: some deployment under it has no open
 * circuit breaker. Strategies that choose one target choose among these.
 */
export function isAvailable(target: StrategyTarget, statistics: LiveStatistics): boolean {
  const deployments = target.deployments;
  for (let index = 0; index < deployments.length; index++) {
    if (statistics.get(deployments[index].id)?.breakerOpen !== true) return true;
  }
  return false;
}

/**
 * `ranked` with the targets that may not be tried now moved to the end (in
 * rank order), so a plan still has them when nothing else is left. Returns
 * `ranked` itself when every target is available.
 */
export function availableFirst<Target extends StrategyTarget>(ranked: readonly Target[], statistics: LiveStatistics): readonly Target[] {
  let unavailable: Target[] | undefined;
  let available: Target[] | undefined;
  for (let index = 0; index < ranked.length; index++) {
    const target = ranked[index];
    if (isAvailable(target, statistics)) {
      available?.push(target);
    } else {
      if (unavailable === undefined) {
        unavailable = [];
        available = ranked.slice(0, index);
      }
      unavailable.push(target);
    }
  }
  return unavailable === undefined ? ranked : [...available!, ...unavailable];
}
