import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-layout';
import { POSTGRES, SQL_FILTERS, postgresSql } from './grafana-targets';

/** Who uses the gateway: workspaces, keys, end users, sessions and tags, from Postgres (no InfluxDB needed). */
export function tenantsDashboard(): Dashboard {
  return buildDashboard({
    uid: 'switchyard-tenants',
    title: 'Switchyard tenants',
    description: 'Per workspace, key, end user, session and tag: requests, errors, tokens, spend.',
    variablesFrom: POSTGRES,
    rows: [
      {
        title: 'Workspaces',
        panels: [
          {
            kind: 'table',
            title: 'Workspaces',
            description: 'Requests, error rate, end users, sessions, latency and spend per workspace.',
            width: 24,
            targets: [
              postgresSql(
                `SELECT workspace, count(*) AS requests, 100.0 * count(*) FILTER (WHERE status = 'failed') / count(*) AS error_rate_percent,
                        count(DISTINCT NULLIF(user_id, '')) AS users, count(DISTINCT NULLIF(session_id, '')) AS sessions,
                        percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95_ms, sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} GROUP BY workspace ORDER BY requests DESC`,
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Requests by workspace',
            description: 'Requests per interval, by workspace.',
            unit: 'short',
            targets: [
              postgresSql(
                `SELECT $__timeGroupAlias(occurred_at, $__interval), workspace AS metric, count(*) AS value
                 FROM requests WHERE ${SQL_FILTERS} GROUP BY 1, 2 ORDER BY 1`,
                { format: 'time_series' },
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Spend by workspace',
            description: 'Cost per interval, by workspace.',
            unit: 'currencyUSD',
            targets: [
              postgresSql(
                `SELECT $__timeGroupAlias(occurred_at, $__interval), workspace AS metric, sum(cost_usd) AS value
                 FROM requests WHERE ${SQL_FILTERS} GROUP BY 1, 2 ORDER BY 1`,
                { format: 'time_series' },
              ),
            ],
          },
        ],
      },
      {
        title: 'Keys, users, sessions',
        panels: [
          {
            kind: 'table',
            title: 'Keys',
            description: 'Each virtual key: requests, failures, spend, last use.',
            targets: [
              postgresSql(
                `SELECT key_id, workspace, count(*) AS requests, count(*) FILTER (WHERE status = 'failed') AS failed,
                        sum(cost_usd) AS cost_usd, max(occurred_at) AS last_request
                 FROM requests WHERE ${SQL_FILTERS} AND key_id <> '' GROUP BY key_id, workspace ORDER BY requests DESC LIMIT 50`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'End users',
            description: 'The most active end users (the requests’ `user`).',
            targets: [
              postgresSql(
                `SELECT user_id AS "user", workspace, count(*) AS requests, count(DISTINCT NULLIF(session_id, '')) AS sessions,
                        sum(input_tokens) + sum(output_tokens) AS tokens, sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} AND user_id <> '' GROUP BY user_id, workspace ORDER BY requests DESC LIMIT 50`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Sessions',
            description: 'The latest sessions: who, how many requests, how long, what they cost.',
            targets: [
              postgresSql(
                `SELECT session_id, workspace, max(user_id) AS "user", count(*) AS requests, min(occurred_at) AS started,
                        max(occurred_at) AS last_request, sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} AND session_id <> '' GROUP BY session_id, workspace ORDER BY last_request DESC LIMIT 50`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Tags',
            description: 'Requests and spend per tag the callers sent (`x-switchyard-tags`).',
            targets: [
              postgresSql(
                `SELECT tag, count(*) AS requests, sum(cost_usd) AS cost_usd
                 FROM requests CROSS JOIN LATERAL jsonb_array_elements_text(tags) AS tag
                 WHERE ${SQL_FILTERS} GROUP BY tag ORDER BY requests DESC LIMIT 50`,
              ),
            ],
          },
        ],
      },
    ],
  });
}
