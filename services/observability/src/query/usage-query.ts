import type { eventsV1 } from '@switchyard/proto';
import { invalidRequest, usageGroupings, type UsageGrouping, type UsageQuery, type UsageRow } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, filterConditions, scopeConditions, whereClause } from './request-filter';
import { requestsSource } from './requests-source';

/** What each grouping groups `requests` by. */
const GROUP_EXPRESSIONS: Record<UsageGrouping, string> = {
  // The model that served the request, or the one asked for when none was reported.
  model: "CASE WHEN served_model <> '' THEN served_model ELSE requested_model END",
  provider: 'provider',
  workspace: 'workspace',
  key: 'key_id',
  user: 'user_id',
  day: "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

interface UsageGroupRow {
  usage_group: string;
  requests: string | number;
  errors: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cached_input_tokens: string | number;
  cache_write_tokens: string | number;
  reasoning_tokens: string | number;
  cost_usd: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
}

/**
 * Requests, errors (every status but succeeded), tokens, cost and latency
 * percentiles (continuous, as `percentile_cont`) per group, over the requests
 * the filter matches; groups in byte order of their names.
 */
export async function usage(executor: SqlExecutor, query: UsageQuery, cold: readonly eventsV1.RequestCompleted[] = []): Promise<UsageRow[]> {
  if (!usageGroupings.includes(query.groupBy)) {
    throw invalidRequest(`\`group_by\` must be one of ${usageGroupings.join(', ')}.`, 'group_by');
  }
  const parameters = new SqlParameters();
  const conditions = [...filterConditions(query.filter, parameters), ...scopeConditions(query.scope, parameters)];
  const rows = await executor.query<UsageGroupRow>(
    `SELECT (${GROUP_EXPRESSIONS[query.groupBy]}) COLLATE "C" AS usage_group,
       count(*) AS requests,
       count(*) FILTER (WHERE status <> 'succeeded') AS errors,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
       coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
       coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
       sum(cost_usd) AS cost_usd,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency_p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95_ms
     FROM ${requestsSource(parameters, cold)} ${whereClause(conditions)}
     GROUP BY 1 ORDER BY 1`,
    parameters.values,
  );
  return rows.map((row) => {
    const requests = Number(row.requests);
    const errors = Number(row.errors);
    return {
      group: row.usage_group,
      requests,
      errors,
      errorRate: errors / requests,
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cachedInputTokens: Number(row.cached_input_tokens),
      cacheWriteTokens: Number(row.cache_write_tokens),
      reasoningTokens: Number(row.reasoning_tokens),
      costUsd: row.cost_usd,
      latencyP50Ms: row.latency_p50_ms,
      latencyP95Ms: row.latency_p95_ms,
    };
  });
}
