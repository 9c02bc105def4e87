import { Counter, Gauge, type Registry } from 'prom-client';
import type { BreakerBoard, BreakerState, BreakerTransition } from './breaker-board';
import type { KeyPool } from '../keys/key-pool';

const STATE_VALUES: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Prometheus metrics of the breakers and provider keys, named `switchyard_breaker_*` and `switchyard_provider_keys_*`. */
export class BreakerMetrics {
  private readonly state: Gauge<'deployment'>;
  private readonly transitions: Counter<'deployment' | 'state' | 'origin'>;

  constructor(board: BreakerBoard | undefined, keyPools: () => ReadonlyMap<string, KeyPool>, registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.state = new Gauge({
      name: 'switchyard_breaker_state',
      help: 'Circuit breaker of each deployment that has had one: 0 closed, 1 half-open (probing), 2 open (skipped).',
      labelNames: ['deployment'],
      registers,
    });
    this.transitions = new Counter({
      name: 'switchyard_breaker_transitions_total',
      help: 'Circuit breaker state changes, by the state entered and where it was decided (local, or remote: another replica through Redis).',
      labelNames: ['deployment', 'state', 'origin'],
      registers,
    });
    new Gauge({
      name: 'switchyard_provider_keys_cooling',
      help: 'API keys of each provider left out after a 429, until their Retry-After (or breakers.keyCooldownMs) passes.',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const [provider, pool] of keyPools()) this.set({ provider }, pool.describe().filter((key) => key.coolingForMs > 0).length);
      },
    });
    board?.onTransition((transition) => this.transition(transition));
  }

  private transition({ deploymentId, state, remote }: BreakerTransition): void {
    this.state.set({ deployment: deploymentId }, STATE_VALUES[state]);
    this.transitions.inc({ deployment: deploymentId, state, origin: remote ? 'remote' : 'local' });
  }
}
