import { DATASOURCE_VARIABLE, INFLUXDB, POSTGRES, type DataSourceType } from './grafana-targets';

/**
 * Every query a dashboard file holds, read back from its JSON as Grafana would read it: each panel's
 * targets (panels inside collapsed rows too) and each query variable. A query of any other data source
 * or shape throws, so a dashboard cannot hold one the tests would not run.
 */

export interface DashboardQuery {
  /** `<dashboard uid> panel <id> (<title>) <refId>` or `<dashboard uid> variable <name>`. */
  id: string;
  dataSource: DataSourceType;
  /** As stored: before Grafana replaces variables and macros. */
  text: string;
  format: 'time_series' | 'table';
}

export interface DashboardVariable {
  name: string;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  query: DashboardQuery;
}

type JsonObject = Record<string, unknown>;
type DataSourceReference = { type?: string; uid?: string } | undefined;

interface DashboardJson {
  uid: string;
  panels?: PanelJson[];
  templating?: { list?: JsonObject[] };
}

interface PanelJson {
  id: number;
  type: string;
  title: string;
  datasource?: DataSourceReference;
  targets?: JsonObject[];
  panels?: PanelJson[];
}

function dataSourceOf(reference: DataSourceReference, where: string): DataSourceType {
  const type = reference?.type;
  if (type !== INFLUXDB && type !== POSTGRES) throw new Error(`${where}: data source type ${String(type)} is neither ${INFLUXDB} nor ${POSTGRES}`);
  if (reference?.uid !== `\${${DATASOURCE_VARIABLE[type]}}`) {
    throw new Error(`${where}: data source uid ${String(reference?.uid)} is not the dashboard's \${${DATASOURCE_VARIABLE[type]}} variable`);
  }
  return type;
}

function queryOf(target: JsonObject, dataSource: DataSourceType, id: string): DashboardQuery {
  if (dataSource === INFLUXDB) {
    if (target.rawQuery !== true || typeof target.query !== 'string' || target.query === '') throw new Error(`${id}: not a raw InfluxQL query`);
    return { id, dataSource, text: target.query, format: target.resultFormat === 'table' ? 'table' : 'time_series' };
  }
  if (typeof target.rawSql !== 'string' || target.rawSql === '') throw new Error(`${id}: no rawSql`);
  return { id, dataSource, text: target.rawSql, format: target.format === 'time_series' ? 'time_series' : 'table' };
}

/** Panels, rows flattened (a collapsed row keeps its panels inside it). */
export function dashboardPanels(dashboard: DashboardJson): PanelJson[] {
  return (dashboard.panels ?? []).flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
}

export function panelQueries(dashboard: DashboardJson): DashboardQuery[] {
  return dashboardPanels(dashboard).flatMap((panel) => {
    const where = `${dashboard.uid} panel ${panel.id} (${panel.title})`;
    if (!panel.targets?.length) throw new Error(`${where}: no query`);
    return panel.targets.map((target) => {
      const id = `${where} ${String(target.refId)}`;
      return queryOf(target, dataSourceOf((target.datasource as DataSourceReference) ?? panel.datasource, id), id);
    });
  });
}

export function queryVariables(dashboard: DashboardJson): DashboardVariable[] {
  return (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === 'query')
    .map((variable) => {
      const id = `${dashboard.uid} variable ${String(variable.name)}`;
      const dataSource = dataSourceOf(variable.datasource as DataSourceReference, id);
      const text = variable.query;
      if (typeof text !== 'string' || text === '') throw new Error(`${id}: no query`);
      return {
        name: String(variable.name),
        multi: variable.multi === true,
        includeAll: variable.includeAll === true,
        ...(typeof variable.allValue === 'string' && { allValue: variable.allValue }),
        query: { id, dataSource, text, format: 'table' as const },
      };
    });
}
