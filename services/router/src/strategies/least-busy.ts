import type { LiveStatistics } from '@switchyard/shared';
import { isAvailable, type RouteStrategy, type StrategyTarget } from './route-strategy';

/** Requests in flight at the target's deployments (those with open breakers left out). */
function inFlightOf(target: StrategyTarget, statistics: LiveStatistics): number {
  let total = 0;
  for (const deployment of target.deployments) {
    const current = statistics.get(deployment.id);
    if (current !== undefined && !current.breakerOpen) total += current.inFlight;
  }
  return total;
}

/**
 * Every target, fewest requests in flight first. Ties are broken in turn
 * (the first of the tied changes with every request), so an idle fleet is
 * shared like round-robin. Targets whose breakers are all open go last.
 */
export const leastBusyStrategy: RouteStrategy = (targets) => {
  if (targets.length === 0) throw new Error('strategy "least-busy" needs at least one target');
  const count = targets.length;
  const order = targets.map((_, index) => index);
  let turn = 0;
  return (_features, statistics) => {
    const start = turn;
    turn = turn + 1 === count ? 0 : turn + 1;
    const keys = new Array<number>(count);
    for (let index = 0; index < count; index++) {
      keys[index] = isAvailable(targets[index], statistics) ? inFlightOf(targets[index], statistics) : Number.POSITIVE_INFINITY;
    }
    const position = (index: number) => (index - start + count) % count;
    const ranked = order.slice().sort((left, right) => keys[left] - keys[right] || position(left) - position(right));
    return ranked.map((index) => targets[index]);
  };
};
