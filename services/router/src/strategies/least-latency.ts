import type { DeploymentStatistics, LeastLatencyRouteNode, LiveStatistics, RequestFeatures } from '@switchyard/shared';
import { isAvailable, type RouteStrategy, type StrategyTarget } from './route-strategy';

/** Share of requests that try another target first, unless the node says otherwise. */
export const DEFAULT_EXPLORATION = 0.05;

/**
 * The latency a request of this kind would see: time to first token for a
 * stream when it is known, else the mean duration of whole attempts.
 */
function latencyOf(statistics: DeploymentStatistics | undefined, stream: boolean): number | undefined {
  if (statistics === undefined) return undefined;
  return (stream ? statistics.timeToFirstTokenMs : undefined) ?? statistics.latencyMs;
}

/** The best latency among a target's deployments with open breakers left out; undefined when none is measured yet. */
function targetLatency(target: StrategyTarget, statistics: LiveStatistics, features: RequestFeatures): number | undefined {
  let best: number | undefined;
  for (const deployment of target.deployments) {
    const current = statistics.get(deployment.id);
    if (current?.breakerOpen === true) continue;
    const latency = latencyOf(current, features.stream);
    if (latency === undefined) return undefined;
    if (best === undefined || latency < best) best = latency;
  }
  return best;
}

/**
 * Every target, fastest first by the exponentially weighted means the
 * statistics keep; a target not measured yet comes first (so it gets
 * measured), one whose breakers are all open last. With probability
 * `exploration` another available target, drawn at random, goes first, so
 * a deployment that recovered from a slow spell is noticed.
 */
export const leastLatencyStrategy: RouteStrategy<LeastLatencyRouteNode> = (targets, context, node) => {
  if (targets.length === 0) throw new Error('strategy "least-latency" needs at least one target');
  const exploration = node.exploration ?? DEFAULT_EXPLORATION;
  if (!(exploration >= 0 && exploration <= 1)) throw new Error(`strategy "least-latency" takes an exploration between 0 and 1, got ${exploration}`);
  const random = context.random;
  const count = targets.length;
  const order = targets.map((_, index) => index);
  return (features, statistics) => {
    const keys = new Array<number>(count);
    for (let index = 0; index < count; index++) {
      const target = targets[index];
      if (!isAvailable(target, statistics)) keys[index] = Number.POSITIVE_INFINITY;
      else keys[index] = targetLatency(target, statistics, features) ?? Number.NEGATIVE_INFINITY;
    }
    // Stable: equal latencies keep config order.
    const ranked = order.slice().sort((left, right) => keys[left] - keys[right] || left - right);
    if (count > 1 && exploration > 0 && random() < exploration) {
      const candidates = ranked.filter((index, position) => position > 0 && keys[index] !== Number.POSITIVE_INFINITY);
      if (candidates.length > 0) {
        const explored = candidates[Math.floor(random() * candidates.length)];
        ranked.splice(ranked.indexOf(explored), 1);
        ranked.unshift(explored);
      }
    }
    return ranked.map((index) => targets[index]);
  };
};
