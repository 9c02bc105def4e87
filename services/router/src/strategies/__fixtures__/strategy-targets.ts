import { type DeploymentStatistics, type LiveStatistics, modelOnlyFeatures, NO_STATISTICS, type RequestFeatures } from '@switchyard/shared';
import type { StrategyTarget } from '../route-strategy';

/** A leaf-like target named after its one deployment (`provider/<name>`). */
export interface NamedTarget extends StrategyTarget {
  readonly name: string;
}

export function target(name: string, options: { weight?: number; score?: number; deployments?: string[] } = {}): NamedTarget {
  const ids = options.deployments ?? [`provider/${name}`];
  return {
    name,
    weight: options.weight ?? 1,
    score: options.score,
    deployments: ids.map((id) => ({ id, providerId: id.split('/')[0], model: id.split('/').slice(1).join('/') })),
  };
}

/** Features of a plain request for `model`, with some fields set. */
export function features(overrides: Partial<RequestFeatures> = {}): RequestFeatures {
  return { ...modelOnlyFeatures('route'), ...overrides };
}

/** Statistics where only the deployments given are known. */
export function statistics(known: Record<string, Partial<DeploymentStatistics>>): LiveStatistics {
  const full = new Map(Object.entries(known).map(([id, values]) => [id, { inFlight: 0, samples: 1, breakerOpen: false, ...values }]));
  return { get: (id) => full.get(id) };
}

export { NO_STATISTICS };

/** Random numbers from a fixed list, in order. */
export function sequence(...values: number[]): () => number {
  let next = 0;
  return () => {
    if (next >= values.length) throw new Error('the test ran out of random numbers');
    return values[next++];
  };
}

export const names = (chosen: readonly NamedTarget[]) => chosen.map((choice) => choice.name);
