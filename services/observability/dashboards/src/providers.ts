import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-layout';
import { INFLUX_FILTERS, INFLUXDB, SQL_FILTERS, influxQl, postgresSql } from './grafana-targets';

/** How each provider and deployment is doing: traffic, errors, latency, retries. */
export function providersDashboard(): Dashboard {
  return buildDashboard({
    uid: 'switchyard-providers',
    title: 'Switchyard providers',
    description: 'Per provider and deployment: traffic, error rate and kinds, latency, time to first token, attempts.',
    variablesFrom: INFLUXDB,
    rows: [
      {
        title: 'Providers',
        panels: [
          {
            kind: 'timeseries',
            title: 'Requests by provider',
            description: 'Requests per interval answered (or last tried) by each provider.',
            unit: 'short',
            targets: [
              influxQl(`SELECT count("latency_ms") FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "provider" fill(0)`, {
                alias: '$tag_provider',
              }),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Error rate by provider',
            description: 'Share of each provider’s requests that failed.',
            unit: 'percent',
            targets: [
              influxQl(`SELECT mean("error") * 100 FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "provider" fill(none)`, {
                alias: '$tag_provider',
              }),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Latency p95 by provider',
            description: 'Whole-request latency, 95th percentile.',
            unit: 'ms',
            targets: [
              influxQl(
                `SELECT percentile("latency_ms", 95) FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "provider" fill(none)`,
                { alias: '$tag_provider' },
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Time to first token p95 by provider',
            description: 'Streams only, 95th percentile.',
            unit: 'ms',
            targets: [
              influxQl(
                `SELECT percentile("ttft_ms", 95) FROM "requests" WHERE ${INFLUX_FILTERS} AND "ttft_ms" > 0 GROUP BY time($__interval), "provider" fill(none)`,
                { alias: '$tag_provider' },
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Attempts per request',
            description: 'Mean attempts (retries, fallbacks and hedges included) per request; 1 when the first attempt answered.',
            unit: 'short',
            targets: [
              influxQl(`SELECT mean("attempts") FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "provider" fill(none)`, {
                alias: '$tag_provider',
              }),
            ],
          },
          {
            kind: 'table',
            title: 'Providers and models',
            description: 'Requests, error rate, p95 latency and spend per provider and model.',
            targets: [
              influxQl(
                `SELECT count("latency_ms") AS "requests", mean("error") * 100 AS "error_rate_percent",
                        percentile("latency_ms", 95) AS "latency_p95_ms", sum("cost_usd") AS "cost_usd"
                 FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY "provider", "model"`,
                { format: 'table' },
              ),
            ],
          },
        ],
      },
      {
        title: 'Deployments and errors',
        panels: [
          {
            kind: 'table',
            title: 'Deployments',
            description: 'Each deployment (provider/model) that answered or was tried last: requests, attempts, latency.',
            targets: [
              postgresSql(
                `SELECT deployment, count(*) AS requests, count(*) FILTER (WHERE status = 'failed') AS failed,
                        avg(attempts) AS mean_attempts,
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency_p50_ms,
                        percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95_ms
                 FROM requests WHERE ${SQL_FILTERS} AND deployment <> ''
                 GROUP BY deployment ORDER BY requests DESC`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Errors by kind',
            description: 'Failed requests by provider, error class and the HTTP status the client got.',
            targets: [
              postgresSql(
                `SELECT provider, error_class, http_status, count(*) AS requests
                 FROM requests WHERE ${SQL_FILTERS} AND status = 'failed'
                 GROUP BY provider, error_class, http_status ORDER BY requests DESC`,
              ),
            ],
          },
        ],
      },
    ],
  });
}
