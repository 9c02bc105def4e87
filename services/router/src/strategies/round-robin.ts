import { isAvailable, type RouteStrategy } from './route-strategy';

/**
 * One target per request, each in turn; the turn is kept per node across
 * requests. A target whose breakers are open gives its turn to the next.
 */
export const roundRobinStrategy: RouteStrategy = (targets) => {
  if (targets.length === 0) throw new Error('strategy "round-robin" needs at least one target');
  const choices = targets.map((target) => [target] as const);
  let next = 0;
  return (_features, statistics) => {
    const turn = next;
    next = next + 1 === choices.length ? 0 : next + 1;
    for (let step = 0; step < choices.length; step++) {
      const index = (turn + step) % choices.length;
      if (isAvailable(targets[index], statistics)) return choices[index];
    }
    return choices[turn];
  };
};
