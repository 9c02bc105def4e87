import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-layout';
import { INFLUX_FILTERS, POSTGRES, SQL_FILTERS, influxQl, postgresSql } from './grafana-targets';

/**
 * The response cache (answers the gateway gave in a provider's place) and the providers' own prompt
 * caching (cached input tokens).
 */
export function cacheDashboard(): Dashboard {
  return buildDashboard({
    uid: 'switchyard-cache',
    title: 'Switchyard cache',
    description: 'Response cache hits and misses, what a hit saves in latency, and the providers’ prompt caching.',
    variablesFrom: POSTGRES,
    rows: [
      {
        title: 'Response cache',
        panels: [
          {
            kind: 'stat',
            title: 'Hit rate',
            description: 'Share of the requests the cache looked up that it answered (exact and semantic hits).',
            unit: 'percent',
            targets: [
              postgresSql(
                `SELECT 100.0 * count(*) FILTER (WHERE cache_status IN ('hit', 'semantic_hit')) / count(*) AS hit_rate
                 FROM requests WHERE ${SQL_FILTERS} AND cache_status IN ('hit', 'semantic_hit', 'miss') HAVING count(*) > 0`,
              ),
            ],
          },
          {
            kind: 'stat',
            title: 'Answered by the cache',
            description: 'Requests the cache answered in a provider’s place.',
            unit: 'short',
            targets: [postgresSql(`SELECT count(*) AS requests FROM requests WHERE ${SQL_FILTERS} AND served_by = 'cache' HAVING count(*) > 0`)],
          },
          {
            kind: 'timeseries',
            title: 'Lookups by outcome',
            description: 'Cache lookups per interval: hit, semantic_hit, miss.',
            unit: 'short',
            targets: [
              influxQl(
                `SELECT count("latency_ms") FROM "requests" WHERE ${INFLUX_FILTERS} AND "cache_status" =~ /^(hit|semantic_hit|miss)$/
                 GROUP BY time($__interval), "cache_status" fill(0)`,
                { alias: '$tag_cache_status' },
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Answered by',
            description: 'Requests per interval answered by a provider or by a plugin (the cache).',
            unit: 'short',
            targets: [
              influxQl(`SELECT count("latency_ms") FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "served_by" fill(0)`, {
                alias: '$tag_served_by',
              }),
            ],
          },
          {
            kind: 'table',
            title: 'Latency by who answered',
            description: 'What a hit saves: latency of cache answers next to provider answers.',
            targets: [
              postgresSql(
                `SELECT CASE WHEN served_by = 'cache' THEN 'cache ' || served_by_detail ELSE served_by END AS answered_by,
                        count(*) AS requests,
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency_p50_ms,
                        percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95_ms
                 FROM requests WHERE ${SQL_FILTERS} AND served_by <> '' GROUP BY 1 ORDER BY requests DESC`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Hit rate by model',
            description: 'Per model asked for: lookups, hits and hit rate.',
            targets: [
              postgresSql(
                `SELECT requested_model AS model, count(*) AS lookups,
                        count(*) FILTER (WHERE cache_status IN ('hit', 'semantic_hit')) AS hits,
                        100.0 * count(*) FILTER (WHERE cache_status IN ('hit', 'semantic_hit')) / count(*) AS hit_rate_percent
                 FROM requests WHERE ${SQL_FILTERS} AND cache_status IN ('hit', 'semantic_hit', 'miss')
                 GROUP BY requested_model ORDER BY lookups DESC`,
              ),
            ],
          },
        ],
      },
      {
        title: 'Provider prompt caching',
        panels: [
          {
            kind: 'timeseries',
            title: 'Cached input tokens',
            description: 'Input tokens the providers read from their prompt cache, and wrote to it, per interval.',
            unit: 'short',
            targets: [
              influxQl(
                `SELECT sum("cached_input_tokens") AS "cached_input", sum("cache_write_tokens") AS "cache_write", sum("input_tokens") AS "input"
                 FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval) fill(0)`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Prompt caching by model',
            description: 'Share of the input tokens each model read from the provider’s prompt cache.',
            targets: [
              postgresSql(
                `SELECT served_model AS model, provider, sum(input_tokens) AS input_tokens, sum(cached_input_tokens) AS cached_input_tokens,
                        100.0 * sum(cached_input_tokens) / NULLIF(sum(input_tokens), 0) AS cached_percent
                 FROM requests WHERE ${SQL_FILTERS} AND served_model <> ''
                 GROUP BY served_model, provider HAVING sum(input_tokens) > 0 ORDER BY cached_input_tokens DESC`,
              ),
            ],
          },
        ],
      },
    ],
  });
}
