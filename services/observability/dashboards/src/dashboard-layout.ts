import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE_VARIABLE, INFLUXDB, POSTGRES, SQL_MODEL, dataSourceRef, type DataSourceType, type Target } from './grafana-targets';

/**
 * The parts every Switchyard dashboard shares: data source variables, the workspace / provider / model
 * variables (from the store the dashboard mostly reads), panels with their data source, one id each.
 */

type PanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder | table.PanelBuilder;

export interface PanelSpec {
  kind: 'timeseries' | 'stat' | 'table';
  title: string;
  description: string;
  unit?: string;
  targets: Target[];
  /** Grid width out of 24; the height follows the kind. */
  width?: number;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** The store the variables' options come from. */
  variablesFrom: DataSourceType;
  rows: RowSpec[];
}

/** Variable queries: the values seen in the store, each narrowed by the variables before it. */
const VARIABLE_QUERIES: Record<DataSourceType, Record<'workspace' | 'provider' | 'model', string>> = {
  [INFLUXDB]: {
    workspace: 'SHOW TAG VALUES FROM "requests" WITH KEY = "workspace"',
    provider: 'SHOW TAG VALUES FROM "requests" WITH KEY = "provider" WHERE "workspace" =~ /^${workspace:regex}$/',
    model: 'SHOW TAG VALUES FROM "requests" WITH KEY = "model" WHERE "workspace" =~ /^${workspace:regex}$/ AND "provider" =~ /^${provider:regex}$/',
  },
  [POSTGRES]: {
    workspace: 'SELECT DISTINCT workspace FROM requests WHERE $__timeFilter(occurred_at) ORDER BY 1',
    provider:
      "SELECT DISTINCT provider FROM requests WHERE $__timeFilter(occurred_at) AND workspace ~ '^${workspace:regex}$' AND provider <> '' ORDER BY 1",
    model: `SELECT DISTINCT ${SQL_MODEL} FROM requests WHERE $__timeFilter(occurred_at) AND workspace ~ '^\${workspace:regex}$' AND provider ~ '^\${provider:regex}$' AND ${SQL_MODEL} <> '' ORDER BY 1`,
  },
};

const LABELS = { workspace: 'Workspace', provider: 'Provider', model: 'Model' } as const;

function filterVariable(name: 'workspace' | 'provider' | 'model', from: DataSourceType): QueryVariableBuilder {
  return (
    new QueryVariableBuilder(name)
      .label(LABELS[name])
      .datasource(dataSourceRef(from))
      .query(VARIABLE_QUERIES[from][name])
      .definition(VARIABLE_QUERIES[from][name])
      .multi(true)
      .includeAll(true)
      // Matches every value, and a request without one (no provider on a cache hit).
      .allValue('.*')
      .current({ selected: true, text: 'All', value: '$__all' })
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc)
  );
}

const HEIGHTS = { timeseries: 8, stat: 4, table: 8 } as const;

function panel(spec: PanelSpec, id: number): PanelBuilder {
  const sources = new Set(spec.targets.map((target) => target.dataSource));
  if (sources.size !== 1) throw new Error(`${spec.title}: a panel reads one data source`);
  const [source] = sources;
  let builder: PanelBuilder;
  switch (spec.kind) {
    case 'timeseries':
      builder = new timeseries.PanelBuilder()
        .legend(
          new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom),
        )
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .fillOpacity(10)
        .lineWidth(1);
      break;
    case 'stat':
      builder = new stat.PanelBuilder()
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
        .graphMode(common.BigValueGraphMode.None);
      break;
    case 'table':
      builder = new table.PanelBuilder().showHeader(true);
      break;
  }
  builder
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(dataSourceRef(source))
    .targets(spec.targets)
    .height(HEIGHTS[spec.kind])
    .span(spec.width ?? (spec.kind === 'stat' ? 6 : 12));
  if (spec.unit) builder.unit(spec.unit);
  return builder;
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const used = new Set(spec.rows.flatMap((row) => row.panels.flatMap((item) => item.targets.map((target) => target.dataSource))));
  used.add(spec.variablesFrom);
  const dashboard = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['switchyard'])
    .readonly()
    .timezone('browser')
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    // Grafana reads `annotations.list`; an empty object would be migrated on every load.
    .annotations([]);
  for (const type of [INFLUXDB, POSTGRES] as const) {
    if (!used.has(type)) continue;
    dashboard.withVariable(
      new DatasourceVariableBuilder(DATASOURCE_VARIABLE[type])
        .label(type === INFLUXDB ? 'InfluxDB' : 'PostgreSQL')
        .type(type)
        .multi(false)
        .includeAll(false),
    );
  }
  for (const name of ['workspace', 'provider', 'model'] as const) dashboard.withVariable(filterVariable(name, spec.variablesFrom));
  let id = 1;
  for (const row of spec.rows) {
    dashboard.withRow(new RowBuilder(row.title).id(id++));
    for (const item of row.panels) dashboard.withPanel(panel(item, id++));
  }
  return dashboard.build();
}
