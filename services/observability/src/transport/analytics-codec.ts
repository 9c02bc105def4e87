import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1, observabilityV1 } from '@switchyard/proto';
import {
  invalidRequest,
  requestStatuses,
  type AnalyticsDimension,
  type AnalyticsFilter,
  type AnalyticsInterval,
  type AnalyticsMetrics,
  type AnalyticsQuery,
  type AnalyticsResult,
  type FeedbackInput,
  type FeedbackRecord,
  type Percentiles,
  type RequestStatusName,
  type ScoreKind,
  type ScoreSummary,
} from '@switchyard/shared';
import { workspaceScopeFromProto, workspaceScopeToProto } from './observability-codec';

/** Conversions between the analytics and feedback contract's TypeScript types and their protobuf messages. */

const STATUS_TO_PROTO: Record<RequestStatusName, eventsV1.RequestStatus> = {
  succeeded: eventsV1.RequestStatus.SUCCEEDED,
  failed: eventsV1.RequestStatus.FAILED,
  cancelled: eventsV1.RequestStatus.CANCELLED,
};

export function analyticsQueryToProto(query: AnalyticsQuery): observabilityV1.GetAnalyticsRequest {
  const { filter } = query;
  return create(observabilityV1.GetAnalyticsRequestSchema, {
    filter: {
      from: timestampFromDate(filter.from),
      to: timestampFromDate(filter.to),
      workspace: filter.workspace ?? '',
      user: filter.user ?? '',
      sessionId: filter.sessionId ?? '',
      model: filter.model ?? '',
      provider: filter.provider ?? '',
      keyId: filter.keyId ?? '',
      route: filter.route ?? '',
      country: filter.country ?? '',
      tag: filter.tag ?? '',
      status: filter.status ? STATUS_TO_PROTO[filter.status] : eventsV1.RequestStatus.UNSPECIFIED,
    },
    groupBy: query.groupBy,
    interval: query.interval ?? '',
    comparePrevious: query.comparePrevious ?? false,
    limit: query.limit ?? 0,
    scope: query.scope && workspaceScopeToProto(query.scope),
  });
}

/** Names are checked by the query itself (a 400 naming the field); only the shape is read here. */
export function analyticsQueryFromProto(message: observabilityV1.GetAnalyticsRequest): AnalyticsQuery {
  const filter = message.filter;
  if (!filter?.from || !filter.to) throw invalidRequest('filter.from and filter.to are required.', 'from');
  const status = requestStatuses.find((name) => STATUS_TO_PROTO[name] === filter.status);
  const text = (value: string) => value || undefined;
  const analyticsFilter: AnalyticsFilter = {
    from: timestampDate(filter.from),
    to: timestampDate(filter.to),
    workspace: text(filter.workspace),
    user: text(filter.user),
    sessionId: text(filter.sessionId),
    model: text(filter.model),
    provider: text(filter.provider),
    keyId: text(filter.keyId),
    route: text(filter.route),
    country: text(filter.country),
    tag: text(filter.tag),
    status,
  };
  return {
    filter: analyticsFilter,
    groupBy: message.groupBy as AnalyticsDimension[],
    interval: (message.interval || undefined) as AnalyticsInterval | undefined,
    comparePrevious: message.comparePrevious,
    limit: message.limit || undefined,
    scope: workspaceScopeFromProto(message.scope),
  };
}

function percentilesToProto(percentiles: Percentiles): observabilityV1.AnalyticsPercentiles {
  return create(observabilityV1.AnalyticsPercentilesSchema, percentiles);
}

function percentilesFromProto(message: observabilityV1.AnalyticsPercentiles | undefined): Percentiles {
  return { p50: message?.p50 ?? 0, p95: message?.p95 ?? 0, p99: message?.p99 ?? 0 };
}

function metricsToProto(metrics: AnalyticsMetrics): observabilityV1.AnalyticsMetrics {
  return create(observabilityV1.AnalyticsMetricsSchema, {
    requests: BigInt(metrics.requests),
    errors: BigInt(metrics.errors),
    errorRate: metrics.errorRate,
    latencyMs: percentilesToProto(metrics.latencyMs),
    timeToFirstTokenMs: metrics.timeToFirstTokenMs ? percentilesToProto(metrics.timeToFirstTokenMs) : undefined,
    inputTokens: BigInt(metrics.inputTokens),
    outputTokens: BigInt(metrics.outputTokens),
    costUsd: metrics.costUsd,
    cacheHitRate: metrics.cacheHitRate,
    scores: Object.fromEntries(
      Object.entries(metrics.scores).map(([name, summary]) => [
        name,
        {
          count: BigInt(summary.count),
          mean: summary.mean ?? undefined,
          values: Object.fromEntries(Object.entries(summary.values ?? {}).map(([value, count]) => [value, BigInt(count)])),
        },
      ]),
    ),
  });
}

function metricsFromProto(message: observabilityV1.AnalyticsMetrics | undefined): AnalyticsMetrics {
  const scores: Record<string, ScoreSummary> = {};
  for (const [name, summary] of Object.entries(message?.scores ?? {})) {
    const values = Object.entries(summary.values);
    scores[name] = {
      count: Number(summary.count),
      mean: summary.mean ?? null,
      ...(values.length > 0 && { values: Object.fromEntries(values.map(([value, count]) => [value, Number(count)])) }),
    };
  }
  return {
    requests: Number(message?.requests ?? 0),
    errors: Number(message?.errors ?? 0),
    errorRate: message?.errorRate ?? 0,
    latencyMs: percentilesFromProto(message?.latencyMs),
    timeToFirstTokenMs: message?.timeToFirstTokenMs ? percentilesFromProto(message.timeToFirstTokenMs) : null,
    inputTokens: Number(message?.inputTokens ?? 0),
    outputTokens: Number(message?.outputTokens ?? 0),
    costUsd: message?.costUsd ?? 0,
    cacheHitRate: message?.cacheHitRate ?? 0,
    scores,
  };
}

export function analyticsResultToProto(result: AnalyticsResult, groupBy: readonly AnalyticsDimension[]): observabilityV1.GetAnalyticsResponse {
  return create(observabilityV1.GetAnalyticsResponseSchema, {
    rows: result.rows.map((row) => ({
      bucket: row.bucket && timestampFromDate(row.bucket),
      groupValues: groupBy.map((dimension) => row.group[dimension] ?? ''),
      metrics: metricsToProto(row),
    })),
    totals: metricsToProto(result.totals),
    previous: result.previous && metricsToProto(result.previous),
    truncated: result.truncated,
  });
}

export function analyticsResultFromProto(message: observabilityV1.GetAnalyticsResponse, groupBy: readonly AnalyticsDimension[]): AnalyticsResult {
  return {
    rows: message.rows.map((row) => ({
      ...(row.bucket && { bucket: timestampDate(row.bucket) }),
      group: Object.fromEntries(groupBy.map((dimension, index) => [dimension, row.groupValues[index] ?? ''])),
      ...metricsFromProto(row.metrics),
    })),
    totals: metricsFromProto(message.totals),
    ...(message.previous && { previous: metricsFromProto(message.previous) }),
    truncated: message.truncated,
  };
}

function feedbackValueToProto(value: FeedbackRecord['value']): observabilityV1.FeedbackValue {
  switch (typeof value) {
    case 'boolean':
      return create(observabilityV1.FeedbackValueSchema, { value: { case: 'booleanValue', value } });
    case 'number':
      return create(observabilityV1.FeedbackValueSchema, { value: { case: 'numberValue', value } });
    case 'string':
      return create(observabilityV1.FeedbackValueSchema, { value: { case: 'category', value } });
    default:
      throw invalidRequest('value must be a boolean, a number or a string.', 'value', 'invalid_type');
  }
}

function feedbackValueFromProto(message: observabilityV1.FeedbackValue | undefined): FeedbackRecord['value'] {
  if (message?.value.case === undefined) throw invalidRequest('value is required.', 'value', 'missing_required_parameter');
  return message.value.value;
}

export function feedbackInputToProto(input: FeedbackInput): observabilityV1.RecordFeedbackRequest {
  return create(observabilityV1.RecordFeedbackRequestSchema, {
    requestId: input.requestId ?? '',
    traceId: input.traceId ?? '',
    name: input.name,
    value: feedbackValueToProto(input.value),
    comment: input.comment ?? '',
    keyId: input.keyId,
    scope: workspaceScopeToProto(input.scope),
  });
}

export function feedbackInputFromProto(message: observabilityV1.RecordFeedbackRequest): FeedbackInput {
  // A score is never written without a scope: the caller names where it may act.
  const scope = workspaceScopeFromProto(message.scope);
  if (!scope) throw invalidRequest('scope is required.', 'scope');
  return {
    ...(message.requestId && { requestId: message.requestId }),
    ...(message.traceId && { traceId: message.traceId }),
    name: message.name,
    value: feedbackValueFromProto(message.value),
    ...(message.comment && { comment: message.comment }),
    keyId: message.keyId,
    scope,
  };
}

export function feedbackRecordToProto(record: FeedbackRecord | undefined): observabilityV1.RecordFeedbackResponse {
  if (!record) return create(observabilityV1.RecordFeedbackResponseSchema, { found: false });
  return create(observabilityV1.RecordFeedbackResponseSchema, {
    found: true,
    id: record.id,
    createdAt: timestampFromDate(record.createdAt),
    workspace: record.workspace,
    requestId: record.requestId,
    traceId: record.traceId,
    name: record.name,
    kind: record.kind,
    value: feedbackValueToProto(record.value),
    comment: record.comment,
  });
}

export function feedbackRecordFromProto(message: observabilityV1.RecordFeedbackResponse): FeedbackRecord | undefined {
  if (!message.found) return undefined;
  return {
    id: message.id,
    createdAt: message.createdAt ? timestampDate(message.createdAt) : new Date(0),
    workspace: message.workspace,
    requestId: message.requestId,
    traceId: message.traceId,
    name: message.name,
    kind: message.kind as ScoreKind,
    value: feedbackValueFromProto(message.value),
    comment: message.comment,
  };
}
