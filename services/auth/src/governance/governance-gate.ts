import { GatewayError, type Admission, type GovernanceGate, type GovernedRequest, type Logger, type Principal, type Usage } from '@switchyard/shared';
import type { BudgetService } from '../budgets/budget-service';
import type { RateLimitService } from '../rate-limits/rate-limit-service';
import type { GovernanceComponent, GovernanceMetrics } from './governance-metrics';

export interface GovernanceGateOptions {
  rateLimits?: RateLimitService;
  budgets?: BudgetService;
  /** When a store (Redis) fails: `open` admits the request, `closed` answers 503. */
  onStoreFailure: 'open' | 'closed';
  logger: Logger;
  metrics: GovernanceMetrics;
}

/** A store failure is logged at most this often per component (each is counted). */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Budgets, then rate limits, for each model request: a budget refusal
 * charges no rate limit; an admitted request reserves its estimated tokens
 * and settles them with the real usage when it ends.
 */
export class LimitsGovernanceGate implements GovernanceGate {
  private readonly lastFailureLog: Record<GovernanceComponent, number> = { rate_limits: 0, budgets: 0 };

  constructor(private readonly options: GovernanceGateOptions) {}

  async admit(principal: Principal, request: GovernedRequest): Promise<Admission> {
    const { rateLimits, budgets, metrics } = this.options;
    if (budgets) {
      try {
        const refusal = await budgets.check({ keyId: principal.keyId, workspace: request.workspace, user: request.user });
        if (refusal) {
          metrics.refused('budget');
          return { admitted: false, headers: {}, error: refusal };
        }
      } catch (error) {
        const refusal = this.storeFailed('budgets', error);
        if (refusal) return refusal;
      }
    }
    if (!rateLimits) return { admitted: true, headers: {}, settle: () => {} };
    try {
      const decision = await rateLimits.admit(principal, request, request.estimatedTokens);
      if (!decision.admitted) {
        metrics.refused('rate_limit');
        return decision;
      }
      const { reservation } = decision;
      let settled = false;
      return {
        admitted: true,
        headers: decision.headers,
        settle: (usage: Usage | undefined) => {
          if (settled || reservation.buckets.length === 0) return;
          settled = true;
          rateLimits.settle(reservation, usage).catch((error: unknown) => this.storeFailed('rate_limits', error, 'lost'));
        },
      };
    } catch (error) {
      return this.storeFailed('rate_limits', error) ?? { admitted: true, headers: {}, settle: () => {} };
    }
  }

  /** Counts and logs a store failure; the refusal when failing closed. */
  private storeFailed(component: GovernanceComponent, error: unknown, outcome?: 'lost'): Admission | undefined {
    const { metrics, logger, onStoreFailure } = this.options;
    const refused = outcome === undefined && onStoreFailure === 'closed';
    metrics.storeFailed(component, outcome ?? (refused ? 'refused' : 'admitted'));
    const now = Date.now();
    if (now - this.lastFailureLog[component] >= FAILURE_LOG_INTERVAL_MS) {
      this.lastFailureLog[component] = now;
      const consequence =
        outcome === 'lost' ? 'a settlement was lost' : refused ? 'requests are refused (fail closed)' : 'requests are admitted unchecked (fail open)';
      logger.warn({ component, err: error }, `governance-store-unavailable: ${consequence}`);
    }
    if (!refused) return undefined;
    metrics.refused('store_unavailable');
    return {
      admitted: false,
      headers: {},
      error: new GatewayError('Rate limits and budgets cannot be checked right now (their store is unreachable); try again shortly.', {
        status: 503,
        errorClass: 'unavailable',
        code: 'governance_unavailable',
        retryable: true,
      }),
    };
  }
}
