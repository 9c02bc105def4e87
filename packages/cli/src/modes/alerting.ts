import { AlertEvaluator, type SqlClient } from '@switchyard/observability';
import type { Logger, SwitchyardConfig } from '@switchyard/shared';
import { Counter, type Registry } from 'prom-client';

/**
 * Starts evaluating `alerts.rules` over the records in `client` (the one
 * process's database, or the observability service's Postgres); nothing
 * without rules. Stop it before the database closes.
 */
export function startAlerting(
  config: SwitchyardConfig,
  logger: Logger,
  client: SqlClient | Promise<SqlClient>,
  registry: Registry,
): AlertEvaluator | undefined {
  if (config.alerts.rules.length === 0) return undefined;
  const notices =
    (registry.getSingleMetric('switchyard_alerts_notifications_total') as Counter<'channel' | 'status'> | undefined) ??
    new Counter({
      name: 'switchyard_alerts_notifications_total',
      help: 'Alert notices by channel and outcome (sent, or failed after every retry).',
      labelNames: ['channel', 'status'],
      registers: [registry],
    });
  const evaluator = new AlertEvaluator(client, {
    config: config.alerts,
    budgets: config.governance.budgets,
    logger,
    onDelivery: (channel, status) => notices.inc({ channel, status }),
  });
  evaluator.start();
  return evaluator;
}
