import type { RouteStrategy } from './route-strategy';

/** Every target, in config order: the next is tried when one fails with a retryable error. */
export const fallbackStrategy: RouteStrategy = (targets) => {
  if (targets.length === 0) throw new Error('strategy "fallback" needs at least one target');
  return () => targets;
};
