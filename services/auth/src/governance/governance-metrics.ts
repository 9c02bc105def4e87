import { Counter, type Registry } from 'prom-client';

export type GovernanceComponent = 'rate_limits' | 'budgets';

/** Prometheus metrics of rate limits and budgets, named `switchyard_governance_<thing>`. */
export class GovernanceMetrics {
  private readonly refusals: Counter<'reason'>;
  private readonly storeFailures: Counter<'component' | 'outcome'>;
  private readonly alerts: Counter<'outcome'>;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.refusals = new Counter({
      name: 'switchyard_governance_refusals_total',
      help: 'Model requests refused by governance: rate_limit, budget, or store_unavailable (fail closed).',
      labelNames: ['reason'],
      registers,
    });
    this.storeFailures = new Counter({
      name: 'switchyard_governance_store_failures_total',
      help: 'Rate-limit or budget store (Redis) calls that failed, by what the request got: admitted (fail open) or refused (fail closed); spend not recorded counts as outcome "lost".',
      labelNames: ['component', 'outcome'],
      registers,
    });
    this.alerts = new Counter({
      name: 'switchyard_governance_budget_alerts_total',
      help: 'Budget alert webhooks, by outcome (sent, failed).',
      labelNames: ['outcome'],
      registers,
    });
  }

  refused(reason: 'rate_limit' | 'budget' | 'store_unavailable'): void {
    this.refusals.inc({ reason });
  }

  storeFailed(component: GovernanceComponent, outcome: 'admitted' | 'refused' | 'lost'): void {
    this.storeFailures.inc({ component, outcome });
  }

  alert(outcome: 'sent' | 'failed'): void {
    this.alerts.inc({ outcome });
  }

  /** The count so far, for tests and diagnostics. */
  async storeFailureCount(component: GovernanceComponent, outcome: 'admitted' | 'refused' | 'lost'): Promise<number> {
    const metric = await this.storeFailures.get();
    return metric.values.find((value) => value.labels.component === component && value.labels.outcome === outcome)?.value ?? 0;
  }
}
