import { isAvailable, type RouteStrategy } from './route-strategy';

/**
 * One target per request, drawn at random in proportion to its weight; when
 * the one drawn has its breaker open, drawn again among those that do not.
 */
export const weightedStrategy: RouteStrategy = (targets, context) => {
  if (targets.length === 0) throw new Error('strategy "weighted" needs at least one target');
  const choices = targets.map((target) => [target] as const);
  const bounds: number[] = [];
  let total = 0;
  for (const target of targets) {
    if (!(target.weight > 0) || !Number.isFinite(target.weight)) {
      throw new Error(`strategy "weighted" takes positive weights, got ${target.weight}`);
    }
    total += target.weight;
    bounds.push(total);
  }
  const last = choices.length - 1;
  const random = context.random;
  return (_features, statistics) => {
    const draw = random() * total;
    let chosen = last;
    for (let index = 0; index < last; index++) {
      if (draw < bounds[index]) {
        chosen = index;
        break;
      }
    }
    if (last === 0 || isAvailable(targets[chosen], statistics)) return choices[chosen];
    // Rare (a breaker is open): the share of the one left out goes to the others by their weights.
    const available = targets.filter((target) => isAvailable(target, statistics));
    if (available.length === 0) return choices[chosen];
    let availableTotal = 0;
    for (const target of available) availableTotal += target.weight;
    let redraw = random() * availableTotal;
    for (const target of available) {
      redraw -= target.weight;
      if (redraw < 0) return choices[targets.indexOf(target)];
    }
    return choices[targets.indexOf(available[available.length - 1])];
  };
};
