import type { AlertRule, BudgetRule } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, filterConditions, whereClause } from '../query/request-filter';

/** What one evaluation found for one series of a rule. */
export interface AlertReading {
  /** '' for the rule as a whole; the provider (`provider_outage`); `budget<n>:<scope>:<subject>` (`budget`). */
  series: string;
  /** Whose the series is: the rule's workspace, a budget's workspace, or '' for every workspace. */
  workspace: string;
  value: number;
  firing: boolean;
}

interface WindowRow {
  series: string;
  requests: string | number;
  errors: string | number;
  server_errors: string | number;
  latency_p95_ms: number | null;
  cost_usd: number | null;
}

const HOUR_MS = 3_600_000;

/**
 * Measures a rule over the recorded requests at `now`: the requests of its
 * window (or, for `budget`, of each budget's current period) that its
 * filters match.
 */
export async function measureRule(executor: SqlExecutor, rule: AlertRule, now: Date, budgets: readonly BudgetRule[]): Promise<AlertReading[]> {
  if (rule.kind === 'budget') return measureBudgets(executor, rule, now, budgets);
  const rows = await windowRows(executor, rule, now, rule.kind === 'provider_outage');
  const workspace = rule.workspace ?? '';
  return rows.map((row) => {
    const requests = Number(row.requests);
    const enough = requests >= rule.minRequests;
    const value = readingValue(rule, row, requests);
    // Spend burns whatever the traffic; the other kinds judge only a window with enough requests.
    const firing = (rule.kind === 'spend_burn_rate' || enough) && value >= rule.threshold;
    return { series: row.series, workspace, value, firing };
  });
}

function readingValue(rule: AlertRule, row: WindowRow, requests: number): number {
  switch (rule.kind) {
    case 'error_rate':
      return requests === 0 ? 0 : Number(row.errors) / requests;
    case 'provider_outage':
      return requests === 0 ? 0 : Number(row.server_errors) / requests;
    case 'latency_p95':
      return row.latency_p95_ms ?? 0;
    case 'spend_burn_rate':
      return ((row.cost_usd ?? 0) * HOUR_MS) / rule.windowMs;
    default:
      return 0;
  }
}

/** The window's counts, for the rule as a whole or per provider. */
async function windowRows(executor: SqlExecutor, rule: AlertRule, now: Date, perProvider: boolean): Promise<WindowRow[]> {
  const parameters = new SqlParameters();
  const conditions = filterConditions(
    { from: new Date(now.getTime() - rule.windowMs), to: now, workspace: rule.workspace, provider: rule.provider, model: rule.model },
    parameters,
  );
  // A request refused before any provider was chosen says nothing about a provider.
  if (perProvider) conditions.push("provider <> ''");
  const series = perProvider ? 'provider' : "''";
  const rows = await executor.query<WindowRow>(
    `SELECT ${series} AS series,
       count(*) AS requests,
       count(*) FILTER (WHERE status <> 'succeeded') AS errors,
       count(*) FILTER (WHERE status = 'failed' AND http_status >= 500) AS server_errors,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95_ms,
       sum(cost_usd) AS cost_usd
     FROM requests ${whereClause(conditions)}
     ${perProvider ? 'GROUP BY provider ORDER BY provider' : ''}`,
    parameters.values,
  );
  return rows;
}

const SUBJECT_COLUMNS: Record<BudgetRule['scope'], string> = { key: 'key_id', workspace: 'workspace', user: 'user_id' };

/**
 * Each budget's spend in its current period (from its time zone's
 * midnight, Monday or first of the month) per subject, as a percent of its
 * limit: a subject at or past the threshold fires.
 */
async function measureBudgets(executor: SqlExecutor, rule: AlertRule, now: Date, budgets: readonly BudgetRule[]): Promise<AlertReading[]> {
  const readings: AlertReading[] = [];
  for (const [index, budget] of budgets.entries()) {
    const parameters = new SqlParameters();
    const conditions = filterConditions({ to: now, workspace: rule.workspace, provider: rule.provider, model: rule.model }, parameters);
    const zone = parameters.add(budget.timezone);
    const at = parameters.add(now.toISOString());
    conditions.push(`occurred_at >= (date_trunc(${parameters.add(budget.period)}, ${at}::timestamptz AT TIME ZONE ${zone}) AT TIME ZONE ${zone})`);
    const column = SUBJECT_COLUMNS[budget.scope];
    conditions.push(`${column} <> ''`);
    const rows = await executor.query<{ subject: string; workspace: string; cost_usd: number | null }>(
      `SELECT ${column} AS subject, min(workspace) AS workspace, sum(cost_usd) AS cost_usd
       FROM requests ${whereClause(conditions)} GROUP BY 1 ORDER BY 1`,
      parameters.values,
    );
    const matches = nameMatcher(budget.match);
    for (const row of rows) {
      if (!matches(row.subject)) continue;
      const percent = ((row.cost_usd ?? 0) / budget.limitUsd) * 100;
      readings.push({
        series: `budget${index}:${budget.scope}:${row.subject}`,
        // Members of a workspace see its budget; a key's or user's budget belongs to the rule's workspace.
        workspace: budget.scope === 'workspace' ? row.subject : (rule.workspace ?? ''),
        value: percent,
        firing: percent >= rule.threshold,
      });
    }
  }
  return readings;
}

/** As `governance.budgets` matches names: exactly, or every name a trailing `*` begins. */
function nameMatcher(match: string | undefined): (name: string) => boolean {
  if (match === undefined || match === '*') return () => true;
  if (match.endsWith('*')) return (name) => name.startsWith(match.slice(0, -1));
  return (name) => name === match;
}
