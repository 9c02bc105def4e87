import { Router, type Request, type Response } from 'express';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import {
  invalidRequest,
  operationName,
  requestStatuses,
  usageGroupings,
  GatewayError,
  type ObservabilityQueryService,
  type RequestFilter,
  type RequestRecord,
  type RequestStatusName,
  type UsageGrouping,
  type UsageRow,
  permissionDenied,
  type Principal,
} from '@switchyard/shared';
import { authorizeWorkspaceFilter } from '../auth/authorize-request';
import { REQUEST_ID, type HttpExchange } from './http-exchange';

/** The time windows of the query API (`observability.queries`). */
export interface QueryLimits {
  /** `/v1/usage` without `from` covers this many hours before `to`. */
  defaultUsageWindowHours: number;
  /** Widest window; `/v1/requests` without `from` covers this much. */
  maxWindowDays: number;
}

const HOUR_MS = 3_600_000;

/** Longest query parameter read; no filter value or cursor is anywhere near it. */
const MAX_QUERY_VALUE_LENGTH = 1_024;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * The query API over recorded requests:
 * `GET /v1/requests`, `GET /v1/requests/:id`, `GET /v1/usage`, and
 * `DELETE /v1/users/:user/data`. Query parameters are snake_case, as in the
 * rest of the API. Each reads only the workspaces the caller's principal may
 * read, over a bounded time window.
 */
export function createObservabilityRoutes(observability: ObservabilityQueryService, limits: QueryLimits): Router {
  const router = Router();
  const maxWindowMs = limits.maxWindowDays * 24 * HOUR_MS;

  router.get('/v1/requests', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const query = request.query;
    const limit = optionalInteger(query, 'limit', 1, 1000);
    const filter = readFilter(query, exchange.principal, maxWindowMs, maxWindowMs);
    const page = await observability.listRequests(
      { filter, scope: exchange.principal.readableWorkspaces, limit, cursor: optionalString(query, 'cursor') },
      exchange.context,
    );
    exchange.sendJson(200, {
      object: 'list',
      data: page.requests.map(formatRequestRecord),
      has_more: page.nextCursor !== undefined,
      next_cursor: page.nextCursor ?? null,
    });
    exchange.completed();
  });

  router.get('/v1/requests/:id', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const id = String(request.params.id);
    // Only ids the gateway could have recorded are looked up: no NUL or unbounded text reaches the database.
    if (!REQUEST_ID.test(id)) {
      throw invalidRequest('A request id is 1-128 letters, digits or . : _ -.', 'id', 'invalid_value');
    }
    const record = await observability.getRequest(id, exchange.context, exchange.principal.readableWorkspaces);
    if (!record) {
      throw new GatewayError(`No request with id ${id} was recorded.`, {
        status: 404,
        errorClass: 'not_found',
        param: 'id',
        code: 'request_not_found',
      });
    }
    exchange.sendJson(200, formatRequestRecord(record));
    exchange.completed();
  });

  router.get('/v1/usage', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const groupBy = (optionalString(request.query, 'group_by') ?? 'model') as UsageGrouping;
    if (!usageGroupings.includes(groupBy)) {
      throw invalidRequest(`group_by must be one of ${usageGroupings.join(', ')}.`, 'group_by');
    }
    const filter = readFilter(request.query, exchange.principal, limits.defaultUsageWindowHours * HOUR_MS, maxWindowMs);
    const rows = await observability.usage({ filter, groupBy, scope: exchange.principal.readableWorkspaces }, exchange.context);
    exchange.sendJson(200, { object: 'list', group_by: groupBy, data: rows.map(formatUsageRow) });
    exchange.completed();
  });

  router.delete('/v1/users/:user/data', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const { principal } = exchange;
    const user = String(request.params.user);
    if (user.length === 0 || user.length > USER_MAX_LENGTH || CONTROL_CHARACTER.test(user)) {
      throw invalidRequest(`A user is 1-${USER_MAX_LENGTH} characters without control characters.`, 'user', 'invalid_value');
    }
    if (principal.role !== 'owner' && principal.role !== 'admin') {
      throw permissionDenied("Deleting a user's data takes the owner or admin role.");
    }
    // An owner or admin deletes within the workspaces it may read, or within the one it names.
    const workspace = optionalString(request.query, 'workspace');
    authorizeWorkspaceFilter(principal, workspace);
    const scope = workspace === undefined ? principal.readableWorkspaces : [workspace];
    const deleted = await observability.deleteUserData({ user, scope }, exchange.context);
    exchange.audit((hooks) => hooks.userDataDeleted?.({ ...exchange.origin(), principal, user, scope, deleted }));
    exchange.sendJson(200, {
      object: 'user_data.deleted',
      user,
      workspaces: scope,
      deleted: { requests: deleted.requests },
    });
    exchange.completed();
  });

  return router;
}

/** Longest `user` a request may carry (the largest `server.limits.userMaxLength` worth looking up). */
const USER_MAX_LENGTH = 1_024;

type Query = Request['query'];

/**
 * The filter of a query: a `workspace` the caller may not read is a 403;
 * without `from`, the window is the `defaultWindowMs` before `to` (now
 * without it); a window wider than `maxWindowMs` is a 400 naming `from`.
 */
function readFilter(query: Query, principal: Principal, defaultWindowMs: number, maxWindowMs: number): RequestFilter {
  const status = optionalString(query, 'status') as RequestStatusName | undefined;
  if (status !== undefined && !requestStatuses.includes(status)) {
    throw invalidRequest(`status must be one of ${requestStatuses.join(', ')}.`, 'status');
  }
  const filter: RequestFilter = {
    from: optionalTime(query, 'from'),
    to: optionalTime(query, 'to'),
    workspace: optionalString(query, 'workspace'),
    model: optionalString(query, 'model'),
    provider: optionalString(query, 'provider'),
    status,
  };
  if (filter.from && filter.to && filter.from >= filter.to) throw invalidRequest('from must be earlier than to.', 'from');
  authorizeWorkspaceFilter(principal, filter.workspace);
  const to = filter.to ?? new Date();
  const from = filter.from ?? new Date(to.getTime() - defaultWindowMs);
  if (to.getTime() - from.getTime() > maxWindowMs) {
    throw invalidRequest(`from and to may span at most ${maxWindowMs / (24 * HOUR_MS)} days.`, 'from', 'window_too_wide');
  }
  // `to` stays open when not given, so records written while a client pages are still found.
  return { ...filter, from };
}

export function optionalString(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalidRequest(`${name} must be given once, and not empty.`, name);
  if (value.length > MAX_QUERY_VALUE_LENGTH) {
    throw invalidRequest(`${name} is longer than ${MAX_QUERY_VALUE_LENGTH} characters.`, name, 'string_above_max_length');
  }
  if (CONTROL_CHARACTER.test(value)) throw invalidRequest(`${name} must not contain control characters.`, name, 'invalid_value');
  return value;
}

export function optionalInteger(query: Query, name: string, min: number, max: number): number | undefined {
  const text = optionalString(query, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw invalidRequest(`${name} must be a whole number from ${min} to ${max}.`, name);
  return value;
}

/** An RFC 3339 time (`2026-11-26T10:00:00Z`) or Unix seconds. */
export function optionalTime(query: Query, name: string): Date | undefined {
  const text = optionalString(query, name);
  if (text === undefined) return undefined;
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime()) || !/^\d/.test(text)) {
    throw invalidRequest(`${name} must be an RFC 3339 time such as 2026-11-26T10:00:00Z, or Unix seconds.`, name);
  }
  return date;
}

const STATUS_NAMES: Record<eventsV1.RequestStatus, string> = {
  [eventsV1.RequestStatus.UNSPECIFIED]: 'unspecified',
  [eventsV1.RequestStatus.SUCCEEDED]: 'succeeded',
  [eventsV1.RequestStatus.FAILED]: 'failed',
  [eventsV1.RequestStatus.CANCELLED]: 'cancelled',
};

const CACHE_STATUS_NAMES: Record<eventsV1.CacheStatus, string> = {
  [eventsV1.CacheStatus.UNSPECIFIED]: 'unspecified',
  [eventsV1.CacheStatus.DISABLED]: 'disabled',
  [eventsV1.CacheStatus.MISS]: 'miss',
  [eventsV1.CacheStatus.HIT]: 'hit',
  [eventsV1.CacheStatus.SEMANTIC_HIT]: 'semantic_hit',
};

/** A recorded request as the API shows it. */
export function formatRequestRecord(record: RequestRecord) {
  const tokens = record.tokens;
  return {
    id: record.requestId,
    object: 'request',
    event_id: record.eventId,
    created_at: record.occurredAt ? timestampDate(record.occurredAt).toISOString() : null,
    workspace: record.workspace,
    key_id: record.keyId || null,
    user: record.user || null,
    session_id: record.sessionId || null,
    trace_id: record.traceId,
    span_id: record.spanId || null,
    parent_span_id: record.parentSpanId || null,
    span_name: record.spanName || null,
    tags: record.tags,
    country: record.country || null,
    prompt: record.promptName ? { name: record.promptName, version: record.promptVersion } : null,
    experiment: record.experimentId ? { id: record.experimentId, arm: record.experimentArm } : null,
    operation: operationName(record.operation),
    requested_model: record.requestedModel,
    served_model: record.servedModel || null,
    provider: record.provider || null,
    deployment: record.deployment || null,
    route_path: record.routePath,
    attempts: record.attempts,
    status: STATUS_NAMES[record.status],
    http_status: record.httpStatus,
    error: record.errorClass ? { class: record.errorClass, message: record.errorMessage } : null,
    latency_ms: record.latencyMs,
    time_to_first_token_ms: record.streamed ? record.timeToFirstTokenMs : null,
    streamed: record.streamed,
    finish_reason: record.finishReason || null,
    usage: {
      input_tokens: tokens?.input ?? 0,
      output_tokens: tokens?.output ?? 0,
      cached_input_tokens: tokens?.cachedInput ?? 0,
      cache_write_tokens: tokens?.cacheWrite ?? 0,
      reasoning_tokens: tokens?.reasoning ?? 0,
    },
    usage_estimated: record.usageEstimated,
    cost_usd: record.costUsd,
    cost: { input_usd: record.inputCostUsd, output_usd: record.outputCostUsd, price_source: record.priceSource || null },
    cache_status: CACHE_STATUS_NAMES[record.cacheStatus],
    metadata: record.metadata,
    served_by: record.servedBy || null,
    served_by_detail: record.servedByDetail || null,
    annotations: record.annotations,
  };
}

function formatUsageRow(row: UsageRow) {
  return {
    group: row.group,
    requests: row.requests,
    errors: row.errors,
    error_rate: row.errorRate,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cached_input_tokens: row.cachedInputTokens,
    cache_write_tokens: row.cacheWriteTokens,
    reasoning_tokens: row.reasoningTokens,
    cost_usd: row.costUsd,
    latency_p50_ms: row.latencyP50Ms,
    latency_p95_ms: row.latencyP95Ms,
  };
}
