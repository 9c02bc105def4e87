import { useMemo, useState } from 'react';
import type { AnalyticsAnswer, AnalyticsRow } from '../api-types';
import { LoadState } from '../components/load-state';
import { formatCount, formatMs, formatPercent, formatUsd } from '../format';
import { RangePicker, rangeWindow, type RangeName } from '../time-range';
import { useApi } from '../use-api';

/** The dimensions `/v1/analytics` groups by. */
const DIMENSIONS = [
  'model',
  'provider',
  'workspace',
  'user',
  'session',
  'key',
  'route',
  'prompt_version',
  'experiment_arm',
  'country',
  'tag',
  'status',
  'operation',
] as const;

/** Usage by any dimension (`/v1/analytics?group_by=`), costliest first. */
export function UsagePage() {
  const [range, setRange] = useState<RangeName>('24h');
  const [dimension, setDimension] = useState<string>('model');
  const period = useMemo(() => rangeWindow(range), [range]);
  const analytics = useApi<AnalyticsAnswer>('/v1/analytics', { ...period, group_by: dimension });

  return (
    <section>
      <header className="page-header">
        <h1>Usage</h1>
        <label>
          By{' '}
          <select name="group_by" value={dimension} onChange={(event) => setDimension(event.target.value)}>
            {DIMENSIONS.map((name) => (
              <option key={name} value={name}>
                {name.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <RangePicker value={range} onChange={setRange} />
      </header>
      <LoadState loaded={analytics} what="usage">
        {(answer) => <UsageTable rows={answer.data} dimension={dimension} />}
      </LoadState>
    </section>
  );
}

function UsageTable({ rows, dimension }: { rows: AnalyticsRow[]; dimension: string }) {
  if (rows.length === 0) return <p className="muted">No requests in this period.</p>;
  const sorted = [...rows].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests);
  return (
    <table className="records" data-testid="usage-table">
      <thead>
        <tr>
          <th>{dimension.replace('_', ' ')}</th>
          <th>Requests</th>
          <th>Error rate</th>
          <th>Latency p50 / p95</th>
          <th>Tokens in / out</th>
          <th>Cache hits</th>
          <th>Cost</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => {
          const name = row.group[dimension];
          return (
            <tr key={String(name)}>
              <td>{name === null || name === undefined || name === '' ? '(none)' : String(name)}</td>
              <td>{formatCount(row.requests)}</td>
              <td>{formatPercent(row.error_rate)}</td>
              <td>
                {formatMs(row.latency_ms.p50)} / {formatMs(row.latency_ms.p95)}
              </td>
              <td>
                {formatCount(row.input_tokens)} / {formatCount(row.output_tokens)}
              </td>
              <td>{formatPercent(row.cache_hit_rate)}</td>
              <td>{formatUsd(row.cost_usd)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
