import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-layout';
import { INFLUX_FILTERS, INFLUXDB, SQL_FILTERS, influxQl, postgresSql } from './grafana-targets';

/** Spend in real time by provider and model (InfluxDB), and who spends it (Postgres). */
export function costsDashboard(): Dashboard {
  return buildDashboard({
    uid: 'switchyard-costs',
    title: 'Switchyard costs',
    description:
      'Spend at the configured or catalog prices: by provider, model, workspace, key and end user. The time series show the cost recorded with each request; the tables, read from Postgres, a later re-pricing too.',
    variablesFrom: INFLUXDB,
    rows: [
      {
        title: 'Spend',
        panels: [
          {
            kind: 'stat',
            title: 'Spend',
            description: 'Cost of the requests in the time range, as recorded (a later re-pricing shows in the tables below).',
            unit: 'currencyUSD',
            targets: [influxQl(`SELECT sum("cost_usd") AS "cost_usd" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'stat',
            title: 'Cost per request',
            description: 'Mean cost of a request.',
            unit: 'currencyUSD',
            targets: [influxQl(`SELECT mean("cost_usd") AS "cost_usd" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'stat',
            title: 'Input tokens',
            description: 'Tokens sent to the providers.',
            unit: 'short',
            targets: [influxQl(`SELECT sum("input_tokens") AS "input_tokens" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'stat',
            title: 'Output tokens',
            description: 'Tokens the providers wrote.',
            unit: 'short',
            targets: [influxQl(`SELECT sum("output_tokens") AS "output_tokens" FROM "requests" WHERE ${INFLUX_FILTERS}`)],
          },
          {
            kind: 'timeseries',
            title: 'Spend by provider',
            description: 'Cost per interval, by provider.',
            unit: 'currencyUSD',
            targets: [
              influxQl(`SELECT sum("cost_usd") FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval), "provider" fill(0)`, {
                alias: '$tag_provider',
              }),
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
          {
            kind: 'timeseries',
            title: 'Input and output cost',
            description: 'The two parts of the cost per interval.',
            unit: 'currencyUSD',
            targets: [
              influxQl(
                `SELECT sum("input_cost_usd") AS "input", sum("output_cost_usd") AS "output"
                 FROM "requests" WHERE ${INFLUX_FILTERS} GROUP BY time($__interval) fill(0)`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Spend by price source',
            description: 'Where the prices came from: the config, the model catalog, or none known.',
            targets: [
              postgresSql(
                `SELECT CASE WHEN price_source = '' THEN 'unknown' ELSE price_source END AS price_source,
                        count(*) AS requests, sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} GROUP BY 1 ORDER BY cost_usd DESC`,
              ),
            ],
          },
        ],
      },
      {
        title: 'Who spends',
        panels: [
          {
            kind: 'table',
            title: 'Spend by workspace',
            description: 'Requests, tokens and cost per workspace.',
            targets: [
              postgresSql(
                `SELECT workspace, count(*) AS requests, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                        sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} GROUP BY workspace ORDER BY cost_usd DESC`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Spend by key',
            description: 'Cost per virtual key (its id; "none" for requests without one).',
            targets: [
              postgresSql(
                `SELECT CASE WHEN key_id = '' THEN 'none' ELSE key_id END AS key_id, workspace, count(*) AS requests, sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} GROUP BY 1, workspace ORDER BY cost_usd DESC LIMIT 50`,
              ),
            ],
          },
          {
            kind: 'table',
            title: 'Top end users by spend',
            description: 'The end users (the requests’ `user`) who cost the most.',
            width: 24,
            targets: [
              postgresSql(
                `SELECT user_id AS "user", workspace, count(*) AS requests, sum(input_tokens) AS input_tokens,
                        sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
                 FROM requests WHERE ${SQL_FILTERS} AND user_id <> ''
                 GROUP BY user_id, workspace ORDER BY cost_usd DESC LIMIT 20`,
              ),
            ],
          },
        ],
      },
    ],
  });
}
