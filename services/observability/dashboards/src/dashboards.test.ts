import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { dashboardPanels, panelQueries, queryVariables } from './dashboard-queries';
import { expandInfluxQlMacros, expandPostgresMacros, replaceVariables, type VariableValue } from './grafana-interpolation';
import { INFLUXDB } from './grafana-targets';
import { SWITCHYARD_DASHBOARDS, dashboardJson } from './switchyard-dashboards';

/**
 * The dashboard files are what their builders write, in both places (the service's folder and the
 * chart's), and every query in them is one Grafana would run: a known data source through the
 * dashboard's variable, and nothing left after Grafana's variables and macros are replaced. Running
 * them against the real stores is test/e2e/grafana-dashboards.e2e.integration.test.ts.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const FOLDERS = [path.join(ROOT, 'services', 'observability', 'dashboards'), path.join(ROOT, 'charts', 'switchyard', 'dashboards')];
const range = { from: new Date(Date.now() - 3_600_000), to: new Date() };

describe('the dashboard files', () => {
  it.each(SWITCHYARD_DASHBOARDS.map((entry) => [entry.file, entry]))(
    '%s is what its builder writes, in the service and in the chart',
    (_file, entry) => {
      const json = dashboardJson(entry.build());
      for (const folder of FOLDERS) expect(readFileSync(path.join(folder, entry.file), 'utf8')).toBe(json);
    },
  );

  it('holds no dashboard file without a builder', () => {
    const built = SWITCHYARD_DASHBOARDS.map((entry) => entry.file).sort();
    expect(
      readdirSync(FOLDERS[0])
        .filter((file) => file.endsWith('.json'))
        .sort(),
    ).toEqual(built);
    // The chart also ships the gateway's Prometheus dashboard, written by hand.
    expect(
      readdirSync(FOLDERS[1])
        .filter((file) => file.endsWith('.json'))
        .sort(),
    ).toEqual([...built, 'switchyard-gateway.json'].sort());
  });

  it('generate-dashboards.cjs --check agrees', async () => {
    const result = await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'generate-dashboards.cjs'), '--check']);
    expect(result.stderr).toBe('');
  });
});

describe.each(SWITCHYARD_DASHBOARDS.map((entry) => [entry.file, entry]))('%s', (_file, entry) => {
  const dashboard = JSON.parse(readFileSync(path.join(FOLDERS[0], entry.file), 'utf8'));

  it('has a unique uid, unique panel ids, and a title, description and query on every panel', () => {
    const uids = SWITCHYARD_DASHBOARDS.map((other) => other.build().uid);
    expect(new Set(uids).size).toBe(uids.length);
    const ids = (dashboard.panels as Array<{ id: number }>).map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboardPanels(dashboard)) {
      expect(panel.title).not.toBe('');
      expect((panel as { description?: string }).description).toBeTruthy();
    }
    expect(panelQueries(dashboard).length).toBe(dashboardPanels(dashboard).reduce((count, panel) => count + (panel.targets?.length ?? 0), 0));
  });

  it('filters by workspace, provider and model, with "All" matching everything', () => {
    const variables = queryVariables(dashboard);
    expect(variables.map((variable) => variable.name)).toEqual(['workspace', 'provider', 'model']);
    for (const variable of variables) expect(variable).toMatchObject({ multi: true, includeAll: true, allValue: '.*' });
    for (const query of panelQueries(dashboard)) {
      for (const name of ['workspace', 'provider', 'model']) expect(query.text).toContain(`\${${name}:regex}`);
    }
  });

  it('leaves nothing unreplaced once Grafana has replaced its variables and macros', () => {
    const selections: VariableValue[][] = [
      queryVariables(dashboard).map((variable) => ({ ...variable, selected: 'all', options: [] })),
      queryVariables(dashboard).map((variable) => ({ ...variable, selected: ['a', 'b.c'], options: [] })),
    ];
    for (const selected of selections) {
      for (const query of [...panelQueries(dashboard), ...queryVariables(dashboard).map((variable) => variable.query)]) {
        const text = replaceVariables(query.text, selected);
        const expanded = query.dataSource === INFLUXDB ? expandInfluxQlMacros(text, range, 60_000) : expandPostgresMacros(text, range, 60_000);
        expect(expanded).not.toMatch(/\$\{?[A-Za-z_]/);
      }
    }
  });
});
