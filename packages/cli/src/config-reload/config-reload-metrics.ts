import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReloadOutcome } from './config-reloader';

/** Reload outcomes as Prometheus metrics, so that a refused file can be alerted on. */
export class ConfigReloadMetrics {
  private readonly reloads: Counter<'outcome'>;
  private readonly generation: Gauge;

  constructor(registry: Registry) {
    this.reloads = new Counter({
      name: 'switchyard_config_reloads_total',
      help: 'Config reloads, by outcome: applied, unchanged, or rejected (an invalid file; the running config kept serving).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.generation = new Gauge({
      name: 'switchyard_config_generation',
      help: 'Configs applied since the start (0: the one it started with).',
      registers: [registry],
    });
    for (const outcome of ['applied', 'unchanged', 'rejected']) this.reloads.inc({ outcome }, 0);
  }

  record(outcome: ReloadOutcome): void {
    this.reloads.inc({ outcome: outcome.status });
    this.generation.set(outcome.generation);
  }
}
