import {
  expandInfluxQlMacros,
  expandPostgresMacros,
  formatInterval,
  panelInterval,
  regexEscape,
  replaceVariables,
  type VariableValue,
} from './grafana-interpolation';

const range = { from: new Date('2026-12-05T10:00:00.000Z'), to: new Date('2026-12-05T16:00:00.250Z') };

function variable(overrides: Partial<VariableValue>): VariableValue {
  return { name: 'workspace', multi: true, includeAll: true, allValue: '.*', selected: 'all', options: [], ...overrides };
}

describe('template variables, as the browser replaces them', () => {
  it('regex-escapes one value, joins several as a group, and leaves a custom All value unformatted', () => {
    const text = '"workspace" =~ /^${workspace:regex}$/';
    expect(replaceVariables(text, [variable({ selected: ['team-a'] })])).toBe('"workspace" =~ /^team-a$/');
    expect(replaceVariables(text, [variable({ selected: ['gpt-4.1', 'a/b'] })])).toBe('"workspace" =~ /^(gpt-4\\.1|a\\/b)$/');
    expect(replaceVariables(text, [variable({ selected: 'all' })])).toBe('"workspace" =~ /^.*$/');
    expect(replaceVariables(text, [variable({ selected: 'all', allValue: undefined, options: ['x', 'y.z'] })])).toBe('"workspace" =~ /^(x|y\\.z)$/');
  });

  it('leaves the data source macros for the backend', () => {
    expect(replaceVariables('WHERE $timeFilter AND $__timeFilter(t) GROUP BY time($__interval), $interval', [])).toBe(
      'WHERE $timeFilter AND $__timeFilter(t) GROUP BY time($__interval), $interval',
    );
  });

  it('refuses what the dashboards must not use: unknown variables, other formats, several values of a single-value variable', () => {
    expect(() => replaceVariables('${team:regex}', [])).toThrow('no variable "team"');
    expect(() => replaceVariables('$workspace', [variable({ selected: ['a'] })])).toThrow('only the regex format');
    expect(() => replaceVariables('${workspace:sqlstring}', [variable({ selected: ['a'] })])).toThrow('only the regex format');
    expect(() => replaceVariables('${workspace:regex}', [variable({ multi: false, selected: ['a', 'b'] })])).toThrow('not multi-value');
  });

  it('escapes every regex metacharacter Grafana escapes', () => {
    expect(regexEscape('a.b*c+d?e^f$g(h)i|j[k]l{m}n/o\\p')).toBe('a\\.b\\*c\\+d\\?e\\^f\\$g\\(h\\)i\\|j\\[k\\]l\\{m\\}n\\/o\\\\p');
  });
});

describe('intervals', () => {
  it('formats as the largest whole unit and rounds a raw interval to Grafana steps', () => {
    expect(formatInterval(500)).toBe('500ms');
    expect(formatInterval(60_000)).toBe('1m');
    expect(formatInterval(90_000)).toBe('1m');
    expect(formatInterval(7_200_000)).toBe('2h');
    // Six hours over 1,000 points: 21.6 s rounds to 20 s.
    expect(panelInterval(range)).toBe(20_000);
    expect(panelInterval({ from: range.from, to: new Date(range.from.getTime() + 60_000) })).toBe(50);
    expect(panelInterval({ from: range.from, to: new Date(range.from.getTime() + 60_000) }, 1_000, 1_000)).toBe(1_000);
  });
});

describe('InfluxQL macros', () => {
  it('replaces $timeFilter with millisecond bounds and the interval variables', () => {
    expect(
      expandInfluxQlMacros('SELECT count(x) FROM r WHERE $timeFilter GROUP BY time($__interval) -- $__interval_ms $interval', range, 20_000),
    ).toBe('SELECT count(x) FROM r WHERE time >= 1796464800000ms and time <= 1796486400250ms GROUP BY time(20s) -- 20000 20s');
  });

  it('throws on a placeholder it does not know, and keeps regex anchors', () => {
    expect(() => expandInfluxQlMacros('WHERE $timeFilter AND x = $other', range, 1_000)).toThrow('"$other" is left');
    expect(expandInfluxQlMacros('WHERE "a" =~ /^b$/', range, 1_000)).toBe('WHERE "a" =~ /^b$/');
  });
});

describe('PostgreSQL macros', () => {
  it('expands the time filter, the grouping and the interval as the macro engine does', () => {
    expect(
      expandPostgresMacros(
        "SELECT $__timeGroupAlias(occurred_at, $__interval), count(*) FROM requests WHERE $__timeFilter(occurred_at) AND x ~ '^a$' GROUP BY 1",
        range,
        60_000,
      ),
    ).toBe(
      'SELECT floor(extract(epoch from occurred_at)/60)*60 AS "time", count(*) FROM requests ' +
        "WHERE occurred_at BETWEEN '2026-12-05T10:00:00Z' AND '2026-12-05T16:00:00.25Z' AND x ~ '^a$' GROUP BY 1",
    );
    expect(expandPostgresMacros("$__timeGroup(t, '5m') $__time(t) $__timeFrom() $__timeTo() $__unixEpochFrom() $__interval_ms", range, 500)).toBe(
      "floor(extract(epoch from t)/300)*300 t AS \"time\" '2026-12-05T10:00:00Z' '2026-12-05T16:00:00.25Z' 1796464800 500",
    );
  });

  it('aliases a $__timeGroup followed by a comma, as Grafana does for dashboards older than 5.3', () => {
    expect(expandPostgresMacros("SELECT $__timeGroup(t, '1m'), count(*) GROUP BY $__timeGroup(t, '1m')", range, 1_000)).toBe(
      'SELECT floor(extract(epoch from t)/60)*60 AS "time", count(*) GROUP BY floor(extract(epoch from t)/60)*60 AS "time"',
    );
  });

  it('rejects an unknown macro or an interval it cannot parse', () => {
    expect(() => expandPostgresMacros('$__nope(t)', range, 1_000)).toThrow('unknown macro "$__nope"');
    expect(() => expandPostgresMacros("$__timeGroupAlias(t, 'soon')", range, 1_000)).toThrow('error parsing interval soon');
  });
});
