import { Router, type Request, type Response } from 'express';
import { GatewayError, invalidRequest, type AlertHistoryEntry, type AlertRuleStatus, type ObservabilityQueryService } from '@switchyard/shared';
import type { HttpExchange } from './http-exchange';
import { optionalString, optionalTime } from './observability-routes';

const DAY_MS = 86_400_000;
/** Widest `from`..`to` of the history. */
const MAX_HISTORY_WINDOW_DAYS = 366;

/**
 * `GET /v1/alerts/rules` (the rules with what of each fires now) and
 * `GET /v1/alerts/history` (firings and recoveries, newest first): only
 * rules of the workspaces the caller may read; a rule over every workspace
 * only for callers who may read every workspace.
 */
export function createAlertRoutes(observability: ObservabilityQueryService): Router {
  const router = Router();

  router.get('/v1/alerts/rules', async (_request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    if (!observability.listAlertRules) throw alertsUnavailable();
    const rules = await observability.listAlertRules(exchange.principal.readableWorkspaces, exchange.context);
    exchange.sendJson(200, { object: 'list', data: rules.map(formatAlertRule) });
    exchange.completed();
  });

  router.get('/v1/alerts/history', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    if (!observability.alertHistory) throw alertsUnavailable();
    const from = optionalTime(request.query, 'from');
    const to = optionalTime(request.query, 'to');
    if (from && to && from >= to) throw invalidRequest('from must be earlier than to.', 'from');
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - DAY_MS);
    if (end.getTime() - start.getTime() > MAX_HISTORY_WINDOW_DAYS * DAY_MS) {
      throw invalidRequest(`from and to may span at most ${MAX_HISTORY_WINDOW_DAYS} days.`, 'from', 'window_too_wide');
    }
    const limitText = optionalString(request.query, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
      throw invalidRequest('limit must be a whole number from 1 to 1000.', 'limit');
    }
    const entries = await observability.alertHistory(
      { from: start, to, rule: optionalString(request.query, 'rule'), limit, scope: exchange.principal.readableWorkspaces },
      exchange.context,
    );
    exchange.sendJson(200, { object: 'list', data: entries.map(formatAlertHistoryEntry) });
    exchange.completed();
  });

  return router;
}

function alertsUnavailable(): GatewayError {
  return new GatewayError('Alerts are not available from this gateway.', { status: 404, errorClass: 'not_found', code: 'alerts_unavailable' });
}

/** A rule as the API shows it. */
export function formatAlertRule(rule: AlertRuleStatus) {
  return {
    name: rule.name,
    object: 'alert_rule',
    kind: rule.kind,
    threshold: rule.threshold,
    window_ms: rule.windowMs,
    min_requests: rule.minRequests,
    workspace: rule.workspace || null,
    provider: rule.provider || null,
    model: rule.model || null,
    channels: rule.channels,
    evaluation_interval_ms: rule.evaluationIntervalMs,
    evaluated_at: rule.evaluatedAt?.toISOString() ?? null,
    state: rule.firing.length > 0 ? 'firing' : 'ok',
    firing: rule.firing.map((series) => ({
      series: series.series || null,
      workspace: series.workspace || null,
      value: series.value,
      since: series.since.toISOString(),
    })),
  };
}

/** A firing or recovery as the API shows it. */
export function formatAlertHistoryEntry(entry: AlertHistoryEntry) {
  return {
    id: entry.id,
    object: 'alert_event',
    rule: entry.rule,
    kind: entry.kind,
    series: entry.series || null,
    workspace: entry.workspace || null,
    state: entry.state,
    value: entry.value,
    threshold: entry.threshold,
    occurred_at: entry.occurredAt.toISOString(),
    deliveries: entry.deliveries,
  };
}
