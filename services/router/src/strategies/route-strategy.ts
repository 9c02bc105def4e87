/** What a strategy node chooses between: a leaf or a nested node, each with its weight. */
export interface StrategyTarget {
  /** Relative share for `weighted`; 1 when the config leaves it out. */
  readonly weight: number;
}

/** What strategies may draw on besides their targets. */
export interface StrategyContext {
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/**
 * Called on every request: the targets to expand, in the order they are
 * tried. Only the first is used by the gateway unless it fails with a
 * retryable error.
 */
export type TargetSelector<Target> = () => readonly Target[];

/**
 * Compiles one strategy node, once, at construction. Everything that can be
 * worked out ahead (cumulative weights, one-element arrays) is worked out
 * here, and state kept across requests (a round-robin counter) lives in the
 * returned selector, so choosing costs no allocation. Throws an `Error` when
 * the targets do not suit the strategy.
 */
export type RouteStrategy = <Target extends StrategyTarget>(targets: readonly Target[], context: StrategyContext) => TargetSelector<Target>;
