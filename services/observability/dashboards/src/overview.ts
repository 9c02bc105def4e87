import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-layout';
import { INFLUX_FILTERS, INFLUXDB, SQL_FILTERS, influxQl, postgresSql } from './grafana-targets';

/** Traffic, errors, latency, tokens and spend at a glance, from InfluxDB; the latest failures from Postgres. */
export function overviewDashboard(): Dashboard {
  return buildDashboard({
    uid: 'switchyard-overview',
    title: 'Switchyard overview',
    description: 'Requests through the gateway: traffic, errors, latency, time to first token, tokens and spend.',
    variablesFrom: INFLUXDB,
    rows: [
      {
        title: 'Now',
        panels: [
          {
            kind: 'stat',
            title: 'Requests',
            description: 'Requests recorded in the time range.',
            unit: 'short',
            targets: [influxQl(`SELECT count("latency_ms") AS "requests" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'stat',
            title: 'Error rate',
            description: 'Share of requests that failed.',
            unit: 'percent',
            targets: [influxQl(`SELECT mean("error") * 100 AS "error_rate" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'stat',
            title: 'Latency p95',
            description: 'Whole-request latency, 95th percentile.',
            unit: 'ms',
            targets: [influxQl(`SELECT percentile("latency_ms", 95) AS "p95" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'stat',
            title: 'Spend',
            description: 'Cost of the requests at the configured or catalog prices.',
            unit: 'currencyUSD',
            targets: [influxQl(`SELECT sum("cost_usd") AS "cost_usd" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
        ],
      },
      {
        title: 'Traffic',
        panels: [
          {
            kind: 'timeseries',
            title: 'Requests by status',
            description: 'Requests per interval, by outcome (succeeded, failed, cancelled).',
            unit: 'short',
            targets: [
              influxQl(`SELECT count("latency_ms") FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "status" fill(0)`, {
                alias: '$tag_status',
              }),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Error rate',
            description: 'Share of requests that failed, per interval.',
            unit: 'percent',
            targets: [
              influxQl(`SELECT mean("error") * 100 AS "error_rate" FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval) fill(none)`),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Latency',
            description: 'Whole-request latency percentiles.',
            unit: 'ms',
            targets: [
              influxQl(
                `SELECT percentile("latency_ms", 50) AS "p50", percentile("latency_ms", 95) AS "p95", percentile("latency_ms", 99) AS "p99"
                 FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval) fill(none)`,
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Time to first token',
            description: 'Streams only: time until the first content reached the client.',
            unit: 'ms',
            targets: [
              influxQl(
                `SELECT percentile("ttft_ms", 50) AS "p50", percentile("ttft_ms", 95) AS "p95"
                 FROM "requests" WHERE ${INFLUX_FILTERS} AND "ttft_ms" > 0 GROUP BY time($__interval) fill(none)`,
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Tokens',
            description: 'Input and output tokens per interval, as the providers reported them (or the gateway estimated).',
            unit: 'short',
            targets: [
              influxQl(
                `SELECT sum("input_tokens") AS "input", sum("output_tokens") AS "output"
                 FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval) fill(0)`,
              ),
            ],
          },
          {
            kind: 'timeseries',
            title: 'Spend by model',
            description: 'Cost per interval, by model.',
            unit: 'currencyUSD',
            targets: [
              influxQl(`SELECT sum("cost_usd") FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "model" fill(0)`, {
                alias: '$tag_model',
              }),
            ],
          },
        ],
      },
      {
        title: 'Failures',
        panels: [
          {
            kind: 'table',
            title: 'Latest failures',
            description: 'The 50 latest failed requests, with the error the client got.',
            width: 24,
            targets: [
              postgresSql(
                `SELECT occurred_at AS "time", workspace, request_id, requested_model, provider, http_status, error_class,
                        left(error_message, 200) AS error_message
                 FROM requests WHERE ${SQL_FILTERS} AND status = 'failed'
                 ORDER BY occurred_at DESC LIMIT 50`,
              ),
            ],
          },
        ],
      },
    ],
  });
}
