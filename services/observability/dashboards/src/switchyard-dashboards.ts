import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { cacheDashboard } from './cache';
import { costsDashboard } from './costs';
import { overviewDashboard } from './overview';
import { providersDashboard } from './providers';
import { tenantsDashboard } from './tenants';

/** Every dashboard, by the file it is written to (in this folder's parent and in the chart's `dashboards/`). */
export const SWITCHYARD_DASHBOARDS: ReadonlyArray<{ file: string; build: () => Dashboard }> = [
  { file: 'switchyard-overview.json', build: overviewDashboard },
  { file: 'switchyard-providers.json', build: providersDashboard },
  { file: 'switchyard-costs.json', build: costsDashboard },
  { file: 'switchyard-cache.json', build: cacheDashboard },
  { file: 'switchyard-tenants.json', build: tenantsDashboard },
];

/** A dashboard as its file holds it: two-space JSON and a final newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
