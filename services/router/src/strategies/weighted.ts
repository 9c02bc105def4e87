import type { RouteStrategy } from './route-strategy';

/** One target per request, drawn at random in proportion to its weight. */
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
  return () => {
    const draw = random() * total;
    for (let index = 0; index < last; index++) {
      if (draw < bounds[index]) return choices[index];
    }
    return choices[last];
  };
};
