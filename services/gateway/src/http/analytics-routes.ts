import { Router, type Request, type Response } from 'express';
import {
  analyticsDimensions,
  analyticsIntervals,
  GatewayError,
  invalidRequest,
  requestStatuses,
  type AnalyticsDimension,
  type AnalyticsFilter,
  type AnalyticsInterval,
  type AnalyticsMetrics,
  type AnalyticsRow,
  type FeedbackRecord,
  type ObservabilityQueryService,
  type RequestStatusName,
  type RouterService,
  type ScoreSummary,
} from '@switchyard/shared';
import { authorizeWorkspaceFilter } from '../auth/authorize-request';
import type { CandidateModel, CostRecommendation, CostRecommender } from '../analytics/cost-recommendations';
import type { HttpExchange } from './http-exchange';
import { optionalInteger, optionalString, optionalTime, type QueryLimits } from './observability-routes';
import { readJsonBody } from './read-json-body';

export interface AnalyticsRouteOptions {
  limits: QueryLimits;
  bodyLimitBytes: number;
  bodyTimeoutMs: number;
  /** The models the gateway serves: the candidates of recommendations. */
  router: RouterService;
  /** Absent: `/v1/analytics/recommendations` answers 501. */
  recommender?: CostRecommender;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Recommendations look at a week by default: a day of traffic is a thin basis for changing models. */
const RECOMMENDATION_WINDOW_MS = 7 * DAY_MS;
const FEEDBACK_FIELDS = new Set(['request_id', 'trace_id', 'name', 'value', 'comment']);

/**
 * `GET /v1/analytics`, `GET /v1/analytics/recommendations` and
 * `POST /v1/feedback`. Reads count only the workspaces the caller may read;
 * feedback lands only on a request or trace of a workspace the caller may
 * act for (any other is a 404, as if it did not exist).
 */
export function createAnalyticsRoutes(observability: ObservabilityQueryService, options: AnalyticsRouteOptions): Router {
  const router = Router();
  const maxWindowMs = options.limits.maxWindowDays * DAY_MS;

  router.get('/v1/analytics', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const analytics = available(observability.analytics?.bind(observability));
    const query = request.query;
    const groupBy = readGroupBy(query);
    const interval = optionalString(query, 'interval') as AnalyticsInterval | undefined;
    if (interval !== undefined && !(interval in analyticsIntervals)) {
      throw invalidRequest(`interval must be one of ${Object.keys(analyticsIntervals).join(', ')}.`, 'interval');
    }
    const compare = optionalString(query, 'compare');
    if (compare !== undefined && compare !== 'previous') throw invalidRequest('compare must be previous.', 'compare');
    const filter = readAnalyticsFilter(query, exchange, options.limits.defaultUsageWindowHours * HOUR_MS, maxWindowMs);
    const result = await analytics(
      {
        filter,
        groupBy,
        interval,
        comparePrevious: compare === 'previous',
        limit: optionalInteger(query, 'limit', 1, 10_000),
        scope: exchange.principal.readableWorkspaces,
      },
      exchange.context,
    );
    exchange.sendJson(200, {
      object: 'analytics',
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      interval: interval ?? null,
      group_by: groupBy,
      data: result.rows.map(formatRow),
      totals: formatMetrics(result.totals),
      previous: result.previous ? formatMetrics(result.previous) : null,
      truncated: result.truncated,
    });
    exchange.completed();
  });

  router.get('/v1/analytics/recommendations', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const analytics = available(observability.analytics?.bind(observability));
    const recommender = available(options.recommender);
    const query = request.query;
    const filter = readAnalyticsFilter(query, exchange, RECOMMENDATION_WINDOW_MS, maxWindowMs);
    const limit = optionalInteger(query, 'limit', 1, 1_000) ?? 20;
    const [usage, models] = await Promise.all([
      analytics(
        { filter, groupBy: ['route', 'provider', 'model', 'operation'], scope: exchange.principal.readableWorkspaces, limit: 10_000 },
        exchange.context,
      ),
      options.router.listModels(exchange.context),
    ]);
    const candidates = new Map<string, CandidateModel>();
    for (const entry of models) {
      // Aliases (owned by `switchyard`) have no price of their own; `provider/model` is the same model listed twice.
      const model = entry.id.startsWith(`${entry.ownedBy}/`) ? entry.id.slice(entry.ownedBy.length + 1) : entry.id;
      candidates.set(`${entry.ownedBy}\u0000${model}`, { provider: entry.ownedBy, model });
    }
    const recommendations = recommender.recommend(
      usage.rows
        .filter((row) => row.group.operation === 'chat.completion')
        .map((row) => ({
          route: row.group.route ?? '',
          provider: row.group.provider ?? '',
          model: row.group.model ?? '',
          requests: row.requests,
          inputTokens: row.inputTokens,
          outputTokens: row.outputTokens,
          costUsd: row.costUsd,
        })),
      [...candidates.values()],
      filter.to,
    );
    exchange.sendJson(200, {
      object: 'list',
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      data: recommendations.slice(0, limit).map(formatRecommendation),
    });
    exchange.completed();
  });

  router.post('/v1/feedback', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const recordFeedback = available(observability.recordFeedback?.bind(observability));
    const body = await readJsonBody(request, { limitBytes: options.bodyLimitBytes, timeoutMs: options.bodyTimeoutMs });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalidRequest('The body must be a JSON object: {"request_id" or "trace_id", "name", "value", "comment"?}.', null);
    }
    const fields = body as Record<string, unknown>;
    for (const field of Object.keys(fields)) {
      if (!FEEDBACK_FIELDS.has(field)) throw invalidRequest(`Unknown field ${field}.`, field, 'unknown_parameter');
    }
    const text = (field: string): string | undefined => {
      const value = fields[field];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string') throw invalidRequest(`${field} must be a string.`, field, 'invalid_type');
      return value;
    };
    if (fields.name === undefined) throw invalidRequest('name is required.', 'name', 'missing_required_parameter');
    if (fields.value === undefined || fields.value === null) throw invalidRequest('value is required.', 'value', 'missing_required_parameter');
    // Checked here too: over gRPC a value travels as one of these three kinds.
    if (!['boolean', 'number', 'string'].includes(typeof fields.value)) {
      throw invalidRequest('value must be a boolean, a number or a string.', 'value', 'invalid_type');
    }
    const requestId = text('request_id');
    const traceId = text('trace_id');
    const record = await recordFeedback(
      {
        requestId,
        traceId,
        name: text('name') ?? '',
        value: fields.value as FeedbackRecord['value'],
        comment: text('comment'),
        keyId: exchange.principal.keyId,
        // A score is written: only where the caller may act.
        scope: exchange.principal.actableWorkspaces,
      },
      exchange.context,
    );
    if (!record) {
      const [what, param, id] = requestId !== undefined ? ['request', 'request_id', requestId] : ['trace', 'trace_id', traceId];
      throw new GatewayError(`No ${what} with id ${id} was recorded.`, { status: 404, errorClass: 'not_found', param, code: `${what}_not_found` });
    }
    exchange.sendJson(201, formatFeedback(record));
    exchange.completed();
  });

  return router;
}

/** A capability this query service (or gateway) does not have is a 501, not a crash. */
function available<T>(capability: T | undefined): T {
  if (capability === undefined) {
    throw new GatewayError('Analytics are not available from this deployment of Switchyard.', {
      status: 501,
      errorClass: 'unavailable',
      code: 'analytics_unavailable',
    });
  }
  return capability;
}

type Query = Request['query'];

function readGroupBy(query: Query): AnalyticsDimension[] {
  const text = optionalString(query, 'group_by');
  if (text === undefined) return [];
  const dimensions = text.split(',').map((name) => name.trim());
  for (const dimension of dimensions) {
    if (!analyticsDimensions.includes(dimension as AnalyticsDimension)) {
      throw invalidRequest(`group_by must be a comma-separated list of ${analyticsDimensions.join(', ')}.`, 'group_by');
    }
  }
  if (new Set(dimensions).size !== dimensions.length) throw invalidRequest('group_by names a dimension twice.', 'group_by');
  return dimensions as AnalyticsDimension[];
}

/**
 * The filter of an analytics query: a `workspace` the caller may not read
 * is a 403; without `to`, now; without `from`, `defaultWindowMs` before
 * `to`; a window wider than `maxWindowMs` is a 400 naming `from`.
 */
function readAnalyticsFilter(query: Query, exchange: HttpExchange, defaultWindowMs: number, maxWindowMs: number): AnalyticsFilter {
  const status = optionalString(query, 'status') as RequestStatusName | undefined;
  if (status !== undefined && !requestStatuses.includes(status)) {
    throw invalidRequest(`status must be one of ${requestStatuses.join(', ')}.`, 'status');
  }
  const workspace = optionalString(query, 'workspace');
  authorizeWorkspaceFilter(exchange.principal, workspace);
  const to = optionalTime(query, 'to') ?? new Date();
  const from = optionalTime(query, 'from') ?? new Date(to.getTime() - defaultWindowMs);
  if (from >= to) throw invalidRequest('from must be earlier than to.', 'from');
  if (to.getTime() - from.getTime() > maxWindowMs) {
    throw invalidRequest(`from and to may span at most ${maxWindowMs / DAY_MS} days.`, 'from', 'window_too_wide');
  }
  return {
    from,
    to,
    workspace,
    user: optionalString(query, 'user'),
    sessionId: optionalString(query, 'session_id'),
    model: optionalString(query, 'model'),
    provider: optionalString(query, 'provider'),
    keyId: optionalString(query, 'key_id'),
    route: optionalString(query, 'route'),
    country: optionalString(query, 'country')?.toUpperCase(),
    tag: optionalString(query, 'tag'),
    status,
  };
}

function formatMetrics(metrics: AnalyticsMetrics) {
  return {
    requests: metrics.requests,
    errors: metrics.errors,
    error_rate: metrics.errorRate,
    latency_ms: metrics.latencyMs,
    time_to_first_token_ms: metrics.timeToFirstTokenMs,
    input_tokens: metrics.inputTokens,
    output_tokens: metrics.outputTokens,
    cost_usd: metrics.costUsd,
    cache_hit_rate: metrics.cacheHitRate,
    scores: Object.fromEntries(Object.entries(metrics.scores).map(([name, summary]) => [name, formatScore(summary)])),
  };
}

function formatScore(summary: ScoreSummary) {
  return { count: summary.count, mean: summary.mean, ...(summary.values && { values: summary.values }) };
}

function formatRow(row: AnalyticsRow) {
  return { bucket: row.bucket?.toISOString() ?? null, group: row.group, ...formatMetrics(row) };
}

function formatRecommendation(recommendation: CostRecommendation) {
  return {
    route: recommendation.route,
    provider: recommendation.provider,
    model: recommendation.model,
    requests: recommendation.requests,
    input_tokens: recommendation.inputTokens,
    output_tokens: recommendation.outputTokens,
    current_cost_usd: recommendation.costUsd,
    alternative_provider: recommendation.alternativeProvider,
    alternative_model: recommendation.alternativeModel,
    alternative_cost_usd: recommendation.alternativeCostUsd,
    savings_usd: recommendation.savingsUsd,
  };
}

function formatFeedback(record: FeedbackRecord) {
  return {
    object: 'feedback',
    id: record.id,
    created_at: record.createdAt.toISOString(),
    workspace: record.workspace,
    request_id: record.requestId || null,
    trace_id: record.traceId,
    name: record.name,
    kind: record.kind,
    value: record.value,
    comment: record.comment || null,
  };
}
