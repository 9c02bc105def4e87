import { GatewayError } from '@switchyard/shared';
import type { BudgetAlert, BudgetAlertNotifier } from './budget-alerts';
import { budgetPeriod, type BudgetPeriod } from './budget-period';
import type { Budget, BudgetPolicy, SpendSubject } from './budget-policy';
import type { SpendStore } from './spend-store';

/** One cost, as a request event carries it (`RequestCompleted.cost_usd`). */
export interface RecordedCost extends SpendSubject {
  costUsd: number;
  /** When it was spent: decides the period. */
  at: Date;
}

/**
 * USD budgets per key, workspace and user and per period: a request is
 * refused (402 `budget_exceeded`) once its subject's spend in the current
 * period reached the limit; the spend comes from the real costs of served
 * requests (`recordSpend`, fed by the cost events).
 */
export class BudgetService {
  constructor(
    private readonly policy: BudgetPolicy,
    private readonly store: SpendStore,
    private readonly notifier?: BudgetAlertNotifier,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The refusal when a budget of `subject` is used up; undefined when none is. */
  async check(subject: SpendSubject): Promise<GatewayError | undefined> {
    const budgets = this.policy.budgetsFor(subject);
    if (budgets.length === 0) return undefined;
    const now = this.now();
    const periods = budgets.map((budget) => budgetPeriod(budget.rule.period, budget.rule.timezone, now));
    const spent = await this.store.spent(budgets.map((budget, index) => bucketKey(budget, periods[index])));
    // Sums of float costs land a hair either side of a round limit: reaching it within a nano-dollar counts.
    const index = budgets.findIndex((budget, position) => spent[position] >= budget.rule.limitUsd - 1e-9);
    return index === -1 ? undefined : budgetExceeded(budgets[index], periods[index], spent[index]);
  }

  /** Adds a served request's cost to every budget of its subject, and fires the alerts it crosses. */
  async recordSpend(cost: RecordedCost): Promise<void> {
    if (!(cost.costUsd > 0)) return;
    const budgets = this.policy.budgetsFor(cost);
    if (budgets.length === 0) return;
    const periods = budgets.map((budget) => budgetPeriod(budget.rule.period, budget.rule.timezone, cost.at));
    const keys = budgets.map((budget, index) => bucketKey(budget, periods[index]));
    const totals = await this.store.add(keys.map((key, index) => ({ key, usd: cost.costUsd, ttlSeconds: periods[index].ttlSeconds })));
    if (!this.notifier) return;
    const alerts: Array<Promise<void>> = [];
    budgets.forEach((budget, index) => {
      const percent = budget.rule.alertAtPercent;
      if (percent === undefined || totals[index] < (budget.rule.limitUsd * percent) / 100) return;
      alerts.push(this.alertOnce(budget, periods[index], keys[index], totals[index], percent));
    });
    await Promise.all(alerts);
  }

  private async alertOnce(budget: Budget, period: BudgetPeriod, key: string, spentUsd: number, percent: number): Promise<void> {
    if (!(await this.store.claimAlert(key, period.ttlSeconds))) return;
    const alert: BudgetAlert = {
      type: 'budget.threshold_reached',
      scope: budget.scope,
      subject: budget.subject,
      period: budget.rule.period,
      period_start: period.id,
      timezone: budget.rule.timezone,
      limit_usd: budget.rule.limitUsd,
      spent_usd: spentUsd,
      threshold_percent: percent,
      occurred_at: this.now().toISOString(),
    };
    await this.notifier?.notify(alert);
  }
}

function bucketKey(budget: Budget, period: BudgetPeriod): string {
  return `${budget.id}:${budget.rule.period}:${period.id}`;
}

const PERIOD_NAMES = { day: 'today', week: 'this week', month: 'this month' } as const;

function budgetExceeded(budget: Budget, period: BudgetPeriod, spentUsd: number): GatewayError {
  return new GatewayError(
    `Budget exceeded for ${budget.scope} ${budget.subject}: $${spentUsd.toFixed(4)} spent of $${budget.rule.limitUsd} ${PERIOD_NAMES[budget.rule.period]} ` +
      `(period starting ${period.id}, ${budget.rule.timezone}). Requests are refused until the period ends or the budget is raised.`,
    { status: 402, errorClass: 'rate_limited', code: 'budget_exceeded' },
  );
}
