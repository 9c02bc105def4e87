import type { RouteStrategy } from './route-strategy';

/** One target per request, each in turn; the turn is kept per node across requests. */
export const roundRobinStrategy: RouteStrategy = (targets) => {
  if (targets.length === 0) throw new Error('strategy "round-robin" needs at least one target');
  const choices = targets.map((target) => [target] as const);
  let next = 0;
  return () => {
    const choice = choices[next];
    next = next + 1 === choices.length ? 0 : next + 1;
    return choice;
  };
};
