import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

/**
 * The two stores the dashboards read, as Grafana names their data source plugins, and the queries of
 * each. The SDK ships no query types for InfluxDB or PostgreSQL, so these are the targets Grafana's own
 * plugins save: InfluxQL in raw mode, and SQL in code mode.
 */

export const INFLUXDB = 'influxdb';
/** The PostgreSQL plugin's id since Grafana 10.2 (it was `postgres` before). */
export const POSTGRES = 'grafana-postgresql-datasource';
export type DataSourceType = typeof INFLUXDB | typeof POSTGRES;

/** Each dashboard picks its data sources through a variable of this name, so any instance serves it. */
export const DATASOURCE_VARIABLE: Record<DataSourceType, string> = { [INFLUXDB]: 'influxdb', [POSTGRES]: 'postgres' };

export function dataSourceRef(type: DataSourceType): common.DataSourceRef {
  return { type, uid: `\${${DATASOURCE_VARIABLE[type]}}` };
}

/** A target as Grafana's InfluxDB plugin stores a raw InfluxQL query. */
export interface InfluxQlTarget {
  refId: string;
  datasource: common.DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  /** Series name; `$tag_<key>` names a series by its tag. */
  alias?: string;
}

/** A target as Grafana's PostgreSQL plugin stores a query written as SQL. */
export interface PostgresTarget {
  refId: string;
  datasource: common.DataSourceRef;
  rawSql: string;
  rawQuery: true;
  editorMode: 'code';
  format: 'time_series' | 'table';
}

export type DashboardTarget = InfluxQlTarget | PostgresTarget;

/** The SDK's panels take their targets as builders of its `Dataquery` variant. */
class TargetBuilder implements cog.Builder<cog.Dataquery> {
  constructor(private readonly target: DashboardTarget) {}

  build(): cog.Dataquery {
    return { ...this.target, _implementsDataqueryVariant() {} };
  }

  get dataSource(): DataSourceType {
    return this.target.datasource.type as DataSourceType;
  }
}

export type Target = TargetBuilder;

export function influxQl(query: string, options: { refId?: string; format?: 'time_series' | 'table'; alias?: string } = {}): Target {
  return new TargetBuilder({
    refId: options.refId ?? 'A',
    datasource: dataSourceRef(INFLUXDB),
    query: singleLine(query),
    rawQuery: true,
    resultFormat: options.format ?? 'time_series',
    ...(options.alias !== undefined && { alias: options.alias }),
  });
}

export function postgresSql(sql: string, options: { refId?: string; format?: 'time_series' | 'table' } = {}): Target {
  return new TargetBuilder({
    refId: options.refId ?? 'A',
    datasource: dataSourceRef(POSTGRES),
    rawSql: singleLine(sql),
    rawQuery: true,
    editorMode: 'code',
    format: options.format ?? 'table',
  });
}

/** Queries are written over several lines here and stored on one, as Grafana's editors show them. */
function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The filters every panel applies: the dashboard's time range and its workspace, provider and model
 * variables. `${name:regex}` gives one value regex-escaped, several as `(a|b)`, and "All" as `.*`, so the
 * same pattern works in both stores; `.*` also matches a request without a provider (a cache hit, a
 * request refused before routing), which an IN list of the known providers would drop.
 */
export const INFLUX_FILTERS =
  '$timeFilter AND "workspace" =~ /^${workspace:regex}$/ AND "provider" =~ /^${provider:regex}$/ AND "model" =~ /^${model:regex}$/';

/** The model as the InfluxDB points tag it: the one that answered, else the one asked for. */
export const SQL_MODEL = "COALESCE(NULLIF(served_model, ''), requested_model)";

export const SQL_FILTERS = `$__timeFilter(occurred_at) AND workspace ~ '^\${workspace:regex}$' AND provider ~ '^\${provider:regex}$' AND ${SQL_MODEL} ~ '^\${model:regex}$'`;
