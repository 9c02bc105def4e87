/**
 * What Grafana does to a query before its data source runs it, so that tests can run the dashboards'
 * queries exactly as Grafana would send them (a Grafana server cannot run here):
 *
 * 1. The browser replaces template variables (`${workspace:regex}`); a custom "All" value is used as it
 *    is, unformatted.
 * 2. The backend replaces the data source's macros: for InfluxQL `$timeFilter`, `$interval`,
 *    `$__interval_ms`, `$__interval`; for PostgreSQL `$__interval_ms`, `$__interval`,
 *    `$__unixEpochFrom()`, `$__unixEpochTo()`, then `$__name(args)` (`$__timeFilter(column)`,
 *    `$__timeGroupAlias(column, interval)`, …).
 *
 * Only the forms the dashboards use are supported; anything else throws, so a dashboard cannot use a
 * form these tests would run differently from Grafana.
 */

export interface TimeRange {
  from: Date;
  to: Date;
}

/** A variable's definition (from the dashboard) and what is selected. */
export interface VariableValue {
  name: string;
  multi: boolean;
  includeAll: boolean;
  /** Grafana's custom "All" value (e.g. `.*`); without one, "All" means every option. */
  allValue?: string;
  /** The selection: values, or "All". */
  selected: string[] | 'all';
  /** The variable's options, as its own query found them (for "All" without a custom value). */
  options: string[];
}

/** `kbn.regexEscape`: what Grafana's `regex` format does to each value. */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

const VARIABLE_PATTERN = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Step 1: template variables, as the browser replaces them. Built-in names (`$__…`, `$timeFilter`) are left for step 2. */
export function replaceVariables(text: string, variables: VariableValue[]): string {
  const byName = new Map(variables.map((variable) => [variable.name, variable]));
  return text.replace(
    VARIABLE_PATTERN,
    (match, simple?: string, bracket?: string, bracketFormat?: string, braced?: string, _field?: string, format?: string) => {
      const name = simple ?? bracket ?? braced ?? '';
      const variable = byName.get(name);
      if (!variable) {
        if (name.startsWith('__') || name === 'timeFilter' || name === 'interval') return match;
        throw new Error(`${match}: no variable "${name}" is defined`);
      }
      const chosenFormat = format ?? bracketFormat;
      if (chosenFormat !== 'regex') throw new Error(`${match}: only the regex format (\${${name}:regex}) is supported`);
      if (variable.selected === 'all') {
        if (!variable.includeAll) throw new Error(`${name}: "All" selected but the variable has no All option`);
        // Grafana skips formatting a custom all value (for every format but text and percentencode).
        if (variable.allValue !== undefined && variable.allValue !== '') return variable.allValue;
        return formatRegex(variable.options);
      }
      if (variable.selected.length > 1 && !variable.multi) throw new Error(`${name}: several values selected but the variable is not multi-value`);
      return formatRegex(variable.selected);
    },
  );
}

function formatRegex(values: string[]): string {
  const escaped = values.map(regexEscape);
  return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
}

/** gtime.FormatInterval: the largest whole unit. */
export function formatInterval(milliseconds: number): string {
  const units: Array<[string, number]> = [
    ['y', 365 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ];
  for (const [unit, size] of units) if (milliseconds >= size) return `${Math.floor(milliseconds / size)}${unit}`;
  return '1ms';
}

/** rangeutil.roundInterval: the interval Grafana picks for a raw one (range / max data points). */
export function roundInterval(milliseconds: number): number {
  const steps: Array<[number, number]> = [
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1_500, 1_000],
    [3_500, 2_000],
    [7_500, 5_000],
    [12_500, 10_000],
    [17_500, 15_000],
    [25_000, 20_000],
    [45_000, 30_000],
    [90_000, 60_000],
    [210_000, 120_000],
    [450_000, 300_000],
    [750_000, 600_000],
    [1_050_000, 900_000],
    [1_500_000, 1_200_000],
    [2_700_000, 1_800_000],
    [5_400_000, 3_600_000],
    [9_000_000, 7_200_000],
    [16_200_000, 10_800_000],
    [32_400_000, 21_600_000],
    [86_400_000, 43_200_000],
    [604_800_000, 86_400_000],
    [1_814_400_000, 604_800_000],
    [3_628_800_000, 2_592_000_000],
  ];
  for (const [below, interval] of steps) if (milliseconds <= below) return interval;
  return 31_536_000_000;
}

/** The `$__interval` of a panel `maxDataPoints` wide over `range`, at least `minimumMs` (the data source's "min interval"). */
export function panelInterval(range: TimeRange, maxDataPoints = 1_000, minimumMs = 1): number {
  const raw = (range.to.getTime() - range.from.getTime()) / maxDataPoints;
  return Math.max(roundInterval(raw), minimumMs);
}

/** Step 2 for InfluxQL (models/query.go, Build on a raw query). */
export function expandInfluxQlMacros(query: string, range: TimeRange, intervalMs: number): string {
  const timeFilter = `time >= ${range.from.getTime()}ms and time <= ${range.to.getTime()}ms`;
  const text = formatInterval(intervalMs);
  const expanded = query
    .replaceAll('$timeFilter', timeFilter)
    .replaceAll('$interval', text)
    .replaceAll('$__interval_ms', String(intervalMs))
    .replaceAll('$__interval', text);
  rejectLeftovers(expanded);
  return expanded;
}

/** Go's RFC3339Nano in UTC: no trailing zeros in the fraction, none at all when whole. */
function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_match, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** Step 2 for PostgreSQL (sqleng.Interpolate, then the PostgreSQL macro engine without TimescaleDB). */
export function expandPostgresMacros(sql: string, range: TimeRange, intervalMs: number): string {
  let expanded = sql
    .replaceAll('$__interval_ms', String(intervalMs))
    .replaceAll('$__interval', formatInterval(intervalMs))
    .replaceAll('$__unixEpochFrom()', String(Math.floor(range.from.getTime() / 1000)))
    .replaceAll('$__unixEpochTo()', String(Math.floor(range.to.getTime() / 1000)));
  const source = expanded;
  expanded = source.replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (match: string, name: string, argumentText: string) => {
    const args = argumentText.split(',').map((argument) => argument.trim());
    // Grafana's pre-5.3 compatibility: `$__timeGroup(…)` right before a comma (its first occurrence) gets `AS "time"`.
    const first = source.indexOf(match);
    const alias = name === '__timeGroup' && source[first + match.length] === ',';
    return postgresMacro(alias ? '__timeGroupAlias' : name, args, range);
  });
  rejectLeftovers(expanded);
  return expanded;
}

function postgresMacro(name: string, args: string[], range: TimeRange): string {
  const column = () => {
    if (!args[0]) throw new Error(`missing time column argument for macro $${name}`);
    return args[0];
  };
  const seconds = () => {
    if (args.length < 2) throw new Error(`macro $${name} needs time column and interval`);
    if (args.length > 2) throw new Error(`macro $${name}: a fill value is not supported here`);
    return parseInterval(args[1].replace(/^'|'$/g, '')) / 1000;
  };
  switch (name) {
    case '__time':
      return `${column()} AS "time"`;
    case '__timeEpoch':
      return `extract(epoch from ${column()}) as "time"`;
    case '__timeFilter':
      return `${column()} BETWEEN '${rfc3339Nano(range.from)}' AND '${rfc3339Nano(range.to)}'`;
    case '__timeFrom':
      return `'${rfc3339Nano(range.from)}'`;
    case '__timeTo':
      return `'${rfc3339Nano(range.to)}'`;
    case '__timeGroup':
      return `floor(extract(epoch from ${column()})/${seconds()})*${seconds()}`;
    case '__timeGroupAlias':
      return `floor(extract(epoch from ${column()})/${seconds()})*${seconds()} AS "time"`;
    default:
      throw new Error(`unknown macro "$${name}"`);
  }
}

/** gtime.ParseInterval for the forms the dashboards use: `<n>ms|s|m|h|d|w|y`. */
function parseInterval(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text);
  if (!match) throw new Error(`error parsing interval ${text}`);
  const size = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }[match[2] as 'ms'];
  return Number(match[1]) * size;
}

/** A `$` left over is a variable or macro Grafana would have replaced and these functions did not. */
function rejectLeftovers(query: string): void {
  // `$` inside a regex (`/^a$/`, `'^a$'`) ends a pattern; only `$` followed by a name is a placeholder.
  const leftover = /\$\{?[A-Za-z_]\w*/.exec(query);
  if (leftover) throw new Error(`"${leftover[0]}" is left in the query: ${query}`);
}
