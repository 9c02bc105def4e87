import {
  analyticsDimensions,
  analyticsIntervals,
  invalidRequest,
  requestStatuses,
  type AnalyticsDimension,
  type AnalyticsFilter,
  type AnalyticsMetrics,
  type AnalyticsQuery,
  type AnalyticsResult,
  type AnalyticsRow,
  type ScoreSummary,
} from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, scopeConditions, whereClause } from './request-filter';

/** What each dimension groups `requests` (as `r`) by; `tag` by the tags unnested (as `t`). */
const DIMENSION_EXPRESSIONS: Record<AnalyticsDimension, string> = {
  user: 'r.user_id',
  session: 'r.session_id',
  workspace: 'r.workspace',
  key: 'r.key_id',
  // The model that served the request, or the one asked for when none was reported (as /v1/usage).
  model: "CASE WHEN r.served_model <> '' THEN r.served_model ELSE r.requested_model END",
  provider: 'r.provider',
  // The model or alias the client asked for: what its route is named after.
  route: 'r.requested_model',
  prompt_version: "CASE WHEN r.prompt_name = '' THEN '' ELSE r.prompt_name || '@' || r.prompt_version::text END",
  experiment_arm: "CASE WHEN r.experiment_id = '' THEN '' ELSE r.experiment_id || ':' || r.experiment_arm END",
  country: 'r.country',
  // A request counts once under each of its tags; an untagged one under ''.
  tag: "coalesce(t.tag, '')",
  status: 'r.status',
  operation: 'r.operation',
};

export const DEFAULT_ANALYTICS_LIMIT = 1_000;
export const MAX_ANALYTICS_LIMIT = 10_000;
/** Most time buckets one query may ask for: a month of minutes is a mistake, not a chart. */
export const MAX_ANALYTICS_BUCKETS = 10_000;

interface MetricsRow {
  requests: string | number;
  errors: string | number;
  latency_p50: number;
  latency_p95: number;
  latency_p99: number;
  ttft_count: string | number;
  ttft_p50: number | null;
  ttft_p95: number | null;
  ttft_p99: number | null;
  input_tokens: string | number;
  output_tokens: string | number;
  cost_usd: number | null;
  cache_hits: string | number;
}

interface ScoreRow {
  name: string;
  kind: string;
  category: string | null;
  count: string | number;
  total: number | null;
}

/** One aggregation's select list over `r`, the matched requests. */
const METRICS = `count(*) AS requests,
  count(*) FILTER (WHERE r.status <> 'succeeded') AS errors,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms) AS latency_p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms) AS latency_p95,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY r.latency_ms) AS latency_p99,
  count(*) FILTER (WHERE r.streamed AND r.time_to_first_token_ms > 0) AS ttft_count,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY r.time_to_first_token_ms) FILTER (WHERE r.streamed AND r.time_to_first_token_ms > 0) AS ttft_p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY r.time_to_first_token_ms) FILTER (WHERE r.streamed AND r.time_to_first_token_ms > 0) AS ttft_p95,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY r.time_to_first_token_ms) FILTER (WHERE r.streamed AND r.time_to_first_token_ms > 0) AS ttft_p99,
  coalesce(sum(r.input_tokens), 0) AS input_tokens,
  coalesce(sum(r.output_tokens), 0) AS output_tokens,
  sum(r.cost_usd) AS cost_usd,
  count(*) FILTER (WHERE r.cache_status IN ('hit', 'semantic_hit')) AS cache_hits`;

/**
 * Requests, errors, latency and time-to-first-token percentiles
 * (continuous, as `percentile_cont`), tokens, cost, cache hit rate and
 * feedback scores per group of the asked dimensions and per time bucket
 * (aligned to the Unix epoch, so `1d` buckets start at 00:00 UTC), with the
 * totals of the whole filter (each request once, whatever its tags) and,
 * when asked, the totals of the equal period before `from`.
 */
export async function analytics(executor: SqlExecutor, query: AnalyticsQuery): Promise<AnalyticsResult> {
  const groupBy = checkedDimensions(query.groupBy);
  const interval = query.interval === undefined ? undefined : checkedInterval(query.interval);
  const limit = query.limit ?? DEFAULT_ANALYTICS_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ANALYTICS_LIMIT) {
    throw invalidRequest(`limit must be a whole number from 1 to ${MAX_ANALYTICS_LIMIT}.`, 'limit');
  }
  const { from, to } = checkedWindow(query.filter);
  if (interval !== undefined && (to.getTime() - from.getTime()) / 1000 / interval > MAX_ANALYTICS_BUCKETS) {
    throw invalidRequest(`from..to holds more than ${MAX_ANALYTICS_BUCKETS} buckets of interval ${query.interval}.`, 'interval', 'too_many_buckets');
  }

  const grouped = await aggregate(executor, query, groupBy, interval, limit + 1);
  const [totals] = await aggregate(executor, query, [], undefined, 1);
  const result: AnalyticsResult = {
    rows: grouped.slice(0, limit).map(({ row }) => row),
    totals: totals?.metrics ?? emptyMetrics(),
    truncated: grouped.length > limit,
  };
  if (query.comparePrevious) {
    const span = to.getTime() - from.getTime();
    const previousQuery = { ...query, filter: { ...query.filter, from: new Date(from.getTime() - span), to: from } };
    const [previous] = await aggregate(executor, previousQuery, [], undefined, 1);
    result.previous = previous?.metrics ?? emptyMetrics();
  }
  return result;
}

async function aggregate(
  executor: SqlExecutor,
  query: AnalyticsQuery,
  groupBy: readonly AnalyticsDimension[],
  intervalSeconds: number | undefined,
  limit: number,
): Promise<Array<{ row: AnalyticsRow; metrics: AnalyticsMetrics }>> {
  const parameters = new SqlParameters();
  const conditions = [...analyticsConditions(query.filter, parameters), ...scopeConditions(query.scope, parameters)];
  const { bucket, keys, from } = grouping(groupBy, intervalSeconds, parameters);
  const positions = keys.map((_, index) => String(index + 1));
  const where = whereClause(conditions);
  const groupClause = keys.length === 0 ? '' : `GROUP BY ${positions.join(', ')} ORDER BY ${positions.join(', ')}`;
  const metricRows = await executor.query<MetricsRow & Record<string, unknown>>(
    `SELECT ${[...keys, METRICS].join(',\n  ')} ${from} ${where} ${groupClause} LIMIT ${parameters.add(limit)}`,
    parameters.values,
  );
  // The aggregate of no rows is one row of zeros; no requests is no group.
  const present = metricRows.filter((row) => Number(row.requests) > 0);
  const scores = await scoresByGroup(executor, query, groupBy, intervalSeconds);
  return present.map((row) => {
    const bucketValue = bucket === undefined ? undefined : toDate(row.bucket);
    const groupValues = groupBy.map((_, index) => groupText(row[`g${index}`]));
    const metrics = metricsOf(row, scores.get(groupKey(bucketValue, groupValues)) ?? {});
    const group = Object.fromEntries(groupBy.map((dimension, index) => [dimension, groupValues[index]]));
    return { row: { ...(bucketValue && { bucket: bucketValue }), group, ...metrics }, metrics };
  });
}

/**
 * Scores per group: a request's own scores, and its trace's scores (each
 * counted once per group however many of the trace's requests fall in it).
 */
async function scoresByGroup(
  executor: SqlExecutor,
  query: AnalyticsQuery,
  groupBy: readonly AnalyticsDimension[],
  intervalSeconds: number | undefined,
): Promise<Map<string, Record<string, ScoreSummary>>> {
  const parameters = new SqlParameters();
  const conditions = [...analyticsConditions(query.filter, parameters), ...scopeConditions(query.scope, parameters)];
  const { bucket, keys, keyNames, from } = grouping(groupBy, intervalSeconds, parameters);
  const carried = keyNames.map((name) => `m.${name}`);
  const rows = await executor.query<ScoreRow & Record<string, unknown>>(
    `WITH matched AS (
       SELECT ${[...keys, 'r.workspace', 'r.request_id', 'r.trace_id'].join(', ')} ${from} ${whereClause(conditions)}
     ), linked AS (
       SELECT ${[...carried, 's.score_id', 's.name', 's.kind', 's.numeric_value', 's.string_value'].join(', ')}
       FROM matched m JOIN scores s ON s.workspace = m.workspace AND s.on_request AND s.request_id = m.request_id
       UNION
       SELECT ${[...carried, 's.score_id', 's.name', 's.kind', 's.numeric_value', 's.string_value'].join(', ')}
       FROM matched m JOIN scores s ON s.workspace = m.workspace AND NOT s.on_request AND s.trace_id = m.trace_id
     )
     SELECT ${[...keyNames, 'name', 'kind', "CASE WHEN kind = 'categorical' THEN string_value END AS category"].join(', ')},
       count(*) AS count, sum(numeric_value) AS total
     FROM linked GROUP BY ${[...keyNames, 'name', 'kind', 'category'].join(', ')}`,
    parameters.values,
  );
  const groups = new Map<string, Record<string, ScoreSummary>>();
  for (const row of rows) {
    const key = groupKey(
      bucket === undefined ? undefined : toDate(row.bucket),
      groupBy.map((_, index) => groupText(row[`g${index}`])),
    );
    const scores = groups.get(key) ?? {};
    groups.set(key, scores);
    const count = Number(row.count);
    const summary = (scores[row.name] ??= { count: 0, mean: null });
    if (row.kind === 'categorical') {
      summary.count += count;
      summary.values = { ...summary.values, [row.category ?? '']: count };
    } else {
      // Numeric and boolean scores of one name are averaged together; a name is used for one kind in practice.
      const total = (summary.mean ?? 0) * summary.count + Number(row.total ?? 0);
      summary.count += count;
      summary.mean = total / summary.count;
    }
  }
  return groups;
}

/**
 * The select list of a grouping (the bucket, then `g0`, `g1`, ... per
 * dimension, as text in byte order so every server orders them alike) and
 * the FROM clause, with the tags unnested when grouped by tag.
 */
function grouping(groupBy: readonly AnalyticsDimension[], intervalSeconds: number | undefined, parameters: SqlParameters) {
  const bucket = intervalSeconds === undefined ? undefined : bucketExpression(parameters.add(intervalSeconds));
  const keys = [
    ...(bucket === undefined ? [] : [`${bucket} AS bucket`]),
    ...groupBy.map((dimension, index) => `(${DIMENSION_EXPRESSIONS[dimension]}) COLLATE "C" AS g${index}`),
  ];
  const keyNames = [...(bucket === undefined ? [] : ['bucket']), ...groupBy.map((_, index) => `g${index}`)];
  const from = `FROM requests r${groupBy.includes('tag') ? ' LEFT JOIN LATERAL jsonb_array_elements_text(r.tags) AS t(tag) ON true' : ''}`;
  return { bucket, keys, keyNames, from };
}

function groupKey(bucket: Date | undefined, values: readonly string[]): string {
  return JSON.stringify([bucket?.toISOString() ?? null, ...values]);
}

/** The start of `occurred_at`'s bucket of `seconds` (a parameter placeholder), counted from the Unix epoch. */
function bucketExpression(seconds: string): string {
  return `to_timestamp(floor(extract(epoch FROM r.occurred_at) / ${seconds}::integer) * ${seconds}::integer)`;
}

function metricsOf(row: MetricsRow, scores: Record<string, ScoreSummary>): AnalyticsMetrics {
  const requests = Number(row.requests);
  const errors = Number(row.errors);
  const ttftCount = Number(row.ttft_count);
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    latencyMs: { p50: Number(row.latency_p50), p95: Number(row.latency_p95), p99: Number(row.latency_p99) },
    timeToFirstTokenMs: ttftCount === 0 ? null : { p50: Number(row.ttft_p50), p95: Number(row.ttft_p95), p99: Number(row.ttft_p99) },
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd ?? 0),
    cacheHitRate: requests === 0 ? 0 : Number(row.cache_hits) / requests,
    scores,
  };
}

/** The metrics of no requests: what totals and `previous` are when nothing matched. */
export function emptyMetrics(): AnalyticsMetrics {
  return {
    requests: 0,
    errors: 0,
    errorRate: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0 },
    timeToFirstTokenMs: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    cacheHitRate: 0,
    scores: {},
  };
}

/** The conditions on `requests r` that an analytics filter stands for. */
function analyticsConditions(filter: AnalyticsFilter, parameters: SqlParameters): string[] {
  const conditions = [
    `r.occurred_at >= ${parameters.add(filter.from.toISOString())}::timestamptz`,
    `r.occurred_at < ${parameters.add(filter.to.toISOString())}::timestamptz`,
  ];
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(`${column} = ${parameters.add(value)}`);
  };
  equal('r.workspace', filter.workspace);
  equal('r.user_id', filter.user);
  equal('r.session_id', filter.sessionId);
  if (filter.model !== undefined) {
    const model = parameters.add(filter.model);
    conditions.push(`(r.requested_model = ${model} OR r.served_model = ${model})`);
  }
  equal('r.provider', filter.provider);
  equal('r.key_id', filter.keyId);
  equal('r.requested_model', filter.route);
  equal('r.country', filter.country);
  if (filter.tag !== undefined) conditions.push(`r.tags @> jsonb_build_array(${parameters.add(filter.tag)}::text)`);
  if (filter.status !== undefined) {
    if (!requestStatuses.includes(filter.status)) {
      throw invalidRequest(`status must be one of ${requestStatuses.join(', ')}.`, 'status');
    }
    equal('r.status', filter.status);
  }
  return conditions;
}

function checkedDimensions(groupBy: readonly AnalyticsDimension[]): AnalyticsDimension[] {
  for (const dimension of groupBy) {
    if (!analyticsDimensions.includes(dimension)) {
      throw invalidRequest(`group_by must be a comma-separated list of ${analyticsDimensions.join(', ')}.`, 'group_by');
    }
  }
  if (new Set(groupBy).size !== groupBy.length) throw invalidRequest('group_by names a dimension twice.', 'group_by');
  return [...groupBy];
}

function checkedInterval(interval: string): number {
  const seconds = (analyticsIntervals as Record<string, number>)[interval];
  if (seconds === undefined) throw invalidRequest(`interval must be one of ${Object.keys(analyticsIntervals).join(', ')}.`, 'interval');
  return seconds;
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, the range of google.protobuf.Timestamp. */
const EARLIEST_MS = -62_135_596_800_000;
const LATEST_MS = 253_402_300_799_999;

function checkedWindow(filter: AnalyticsFilter): { from: Date; to: Date } {
  for (const field of ['from', 'to'] as const) {
    const ms = filter[field] instanceof Date ? filter[field].getTime() : Number.NaN;
    if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) throw invalidRequest(`${field} must be a time between the years 1 and 9999.`, field);
  }
  if (filter.from >= filter.to) throw invalidRequest('from must be earlier than to.', 'from');
  return { from: filter.from, to: filter.to };
}

/** A grouping value as text: the columns are text; a NULL (none of a LEFT JOIN) is ''. */
function groupText(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value);
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}
