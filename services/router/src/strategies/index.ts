import type { RouteNode } from '@switchyard/shared';
import { fallbackStrategy } from './fallback';
import { roundRobinStrategy } from './round-robin';
import type { RouteStrategy } from './route-strategy';
import { singleStrategy } from './single';
import { weightedStrategy } from './weighted';

export * from './route-strategy';
export { fallbackStrategy, roundRobinStrategy, singleStrategy, weightedStrategy };

export type RouteStrategyName = RouteNode['strategy'];

/**
 * Every strategy a route node may name. To add one: add its name to the
 * config schema's `strategy` enum, write `<name>.ts` beside these, and list
 * it here (the type makes a missing entry a compile error).
 */
export const routeStrategies: Readonly<Record<RouteStrategyName, RouteStrategy>> = {
  single: singleStrategy,
  fallback: fallbackStrategy,
  'round-robin': roundRobinStrategy,
  weighted: weightedStrategy,
};
