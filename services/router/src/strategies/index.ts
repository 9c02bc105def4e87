import type { RouteNode, RouteStrategyName } from '@switchyard/shared';
import { budgetAwareStrategy } from './budget-aware';
import { conditionalStrategy } from './conditional';
import { fallbackStrategy } from './fallback';
import { leastBusyStrategy } from './least-busy';
import { leastLatencyStrategy } from './least-latency';
import { lowestCostStrategy } from './lowest-cost';
import { qualityFirstStrategy } from './quality-first';
import { roundRobinStrategy } from './round-robin';
import type { RouteStrategy } from './route-strategy';
import { singleStrategy } from './single';
import { weightedStrategy } from './weighted';

export * from './route-strategy';
export { DEFAULT_EXPLORATION } from './least-latency';
export { canServe, DEFAULT_EXPECTED_OUTPUT_TOKENS, estimatedCost } from './lowest-cost';
export {
  budgetAwareStrategy,
  conditionalStrategy,
  fallbackStrategy,
  leastBusyStrategy,
  leastLatencyStrategy,
  lowestCostStrategy,
  qualityFirstStrategy,
  roundRobinStrategy,
  singleStrategy,
  weightedStrategy,
};
export type { RouteStrategyName };

/**
 * Every strategy a route node may name, each typed with its own node's
 * settings. To add one: add its node to `route-schema.ts` in the shared
 * config, write `<name>.ts` beside these, and list it here (the type makes a
 * missing entry a compile error).
 */
export const routeStrategies: { readonly [Name in RouteStrategyName]: RouteStrategy<Extract<RouteNode, { strategy: Name }>> } = {
  single: singleStrategy,
  fallback: fallbackStrategy,
  'round-robin': roundRobinStrategy,
  weighted: weightedStrategy,
  'least-latency': leastLatencyStrategy,
  'lowest-cost': lowestCostStrategy,
  'quality-first': qualityFirstStrategy,
  'least-busy': leastBusyStrategy,
  conditional: conditionalStrategy,
  'budget-aware': budgetAwareStrategy,
};
