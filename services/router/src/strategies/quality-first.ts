import { availableFirst, type RouteStrategy } from './route-strategy';

/**
 * Every target, highest `score` first (equal scores in config order): the
 * best model is tried first and the next best takes over when it fails.
 * Targets whose breakers are all open go last.
 */
export const qualityFirstStrategy: RouteStrategy = (targets) => {
  if (targets.length === 0) throw new Error('strategy "quality-first" needs at least one target');
  targets.forEach((target, index) => {
    if (typeof target.score !== 'number' || !Number.isFinite(target.score)) {
      throw new Error(`strategy "quality-first" needs a score on every target; targets[${index}] has none`);
    }
  });
  const ranked = targets
    .map((target, index) => ({ target, index }))
    .sort((left, right) => right.target.score! - left.target.score! || left.index - right.index)
    .map(({ target }) => target);
  return (_features, statistics) => availableFirst(ranked, statistics);
};
