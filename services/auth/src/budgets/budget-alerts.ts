import type { Logger } from '@switchyard/shared';

/** What a budget alert says, as POSTed to the webhook. */
export interface BudgetAlert {
  type: 'budget.threshold_reached';
  scope: 'key' | 'workspace' | 'user';
  /** The key id, workspace or user. */
  subject: string;
  period: 'day' | 'week' | 'month';
  /** `2026-12-05`, the Monday of the week, or `2026-12`, in `timezone`. */
  period_start: string;
  timezone: string;
  limit_usd: number;
  spent_usd: number;
  threshold_percent: number;
  occurred_at: string;
}

export interface BudgetAlertNotifier {
  /** Never rejects: a failure is logged and counted. */
  notify(alert: BudgetAlert): Promise<void>;
}

/** POSTs each alert as JSON to a URL (one try, bounded in time). */
export class WebhookAlertNotifier implements BudgetAlertNotifier {
  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly onOutcome: (outcome: 'sent' | 'failed') => void = () => {},
    private readonly timeoutMs = 5_000,
  ) {}

  async notify(alert: BudgetAlert): Promise<void> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
      this.onOutcome('sent');
      this.logger.info({ scope: alert.scope, subject: alert.subject, periodStart: alert.period_start }, 'budget-alert-sent');
    } catch (error) {
      this.onOutcome('failed');
      this.logger.warn({ scope: alert.scope, subject: alert.subject, err: error }, 'budget-alert-failed');
    }
  }
}
