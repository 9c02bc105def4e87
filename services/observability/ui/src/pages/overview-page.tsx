import { useMemo, useState } from 'react';
import type { AnalyticsAnswer, AnalyticsMetrics } from '../api-types';
import { LoadState } from '../components/load-state';
import { TimeSeriesChart } from '../components/time-series-chart';
import { formatChange, formatCount, formatMs, formatPercent, formatUsd } from '../format';
import { RangePicker, RANGES, rangeWindow, type RangeName } from '../time-range';
import { useApi } from '../use-api';

/** Requests, errors, latency and cost over time (`/v1/analytics` with an interval), against the previous period. */
export function OverviewPage() {
  const [range, setRange] = useState<RangeName>('24h');
  const period = useMemo(() => rangeWindow(range), [range]);
  const analytics = useApi<AnalyticsAnswer>('/v1/analytics', { ...period, interval: RANGES[range].interval, compare: 'previous' });

  return (
    <section>
      <header className="page-header">
        <h1>Overview</h1>
        <RangePicker value={range} onChange={setRange} />
      </header>
      <LoadState loaded={analytics} what="analytics">
        {(answer) => <OverviewContent answer={answer} />}
      </LoadState>
    </section>
  );
}

function OverviewContent({ answer }: { answer: AnalyticsAnswer }) {
  const { totals, previous } = answer;
  const charts = useMemo(() => chartData(answer), [answer]);
  const period = useMemo((): [number, number] => [Date.parse(answer.from) / 1000, Date.parse(answer.to) / 1000], [answer]);
  return (
    <>
      <div className="cards">
        <Card
          label="Requests"
          value={formatCount(totals.requests)}
          change={formatChange(totals.requests, previous?.requests)}
          testId="total-requests"
        />
        <Card
          label="Error rate"
          value={formatPercent(totals.error_rate)}
          change={formatChange(totals.error_rate, previous?.error_rate)}
          testId="error-rate"
        />
        <Card
          label="Latency p95"
          value={formatMs(totals.latency_ms.p95)}
          change={changeOf(totals, previous, (m) => m.latency_ms.p95)}
          testId="latency-p95"
        />
        <Card label="Cost" value={formatUsd(totals.cost_usd)} change={formatChange(totals.cost_usd, previous?.cost_usd)} testId="total-cost" />
      </div>
      {answer.data.length === 0 ? (
        <p className="muted">No requests in this period.</p>
      ) : (
        <div className="charts">
          <TimeSeriesChart
            title="Requests and errors"
            period={period}
            times={charts.times}
            series={[
              { label: 'requests', values: charts.requests, color: '#2563eb' },
              { label: 'errors', values: charts.errors, color: '#dc2626' },
            ]}
          />
          <TimeSeriesChart
            title="Latency"
            period={period}
            times={charts.times}
            format={formatMs}
            series={[
              { label: 'p50', values: charts.p50, color: '#16a34a' },
              { label: 'p95', values: charts.p95, color: '#ca8a04' },
            ]}
          />
          <TimeSeriesChart
            title="Cost"
            period={period}
            times={charts.times}
            format={formatUsd}
            series={[{ label: 'USD', values: charts.cost, color: '#7c3aed' }]}
          />
        </div>
      )}
    </>
  );
}

function Card({ label, value, change, testId }: { label: string; value: string; change: string; testId: string }) {
  return (
    <div className="card" data-testid={testId}>
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
      {change && <div className="card-change">{change} vs previous period</div>}
    </div>
  );
}

function changeOf(current: AnalyticsMetrics, previous: AnalyticsMetrics | null, read: (metrics: AnalyticsMetrics) => number | null): string {
  const now = read(current);
  return now === null ? '' : formatChange(now, previous ? read(previous) : null);
}

/** One point per bucket, in time order; uPlot wants seconds. */
function chartData(answer: AnalyticsAnswer) {
  const rows = answer.data.filter((row) => row.bucket !== null).sort((a, b) => Date.parse(a.bucket!) - Date.parse(b.bucket!));
  return {
    times: rows.map((row) => Date.parse(row.bucket!) / 1000),
    requests: rows.map((row) => row.requests),
    errors: rows.map((row) => row.errors),
    p50: rows.map((row) => row.latency_ms.p50),
    p95: rows.map((row) => row.latency_ms.p95),
    cost: rows.map((row) => row.cost_usd),
  };
}
