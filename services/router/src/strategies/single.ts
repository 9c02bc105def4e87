import type { RouteStrategy } from './route-strategy';

/** Exactly one target, always. */
export const singleStrategy: RouteStrategy = (targets) => {
  if (targets.length !== 1) throw new Error(`strategy "single" takes exactly one target, got ${targets.length}`);
  return () => targets;
};
