import { useMemo } from 'react';
import type { ListAnswer } from '../api-types';
import { LoadState } from '../components/load-state';
import { rangeWindow } from '../time-range';
import { useApi } from '../use-api';

type Row = Record<string, unknown>;

/** Alert rules and what fired (`/v1/alerts/rules`, `/v1/alerts/history`). */
export function AlertsPage() {
  const period = useMemo(() => rangeWindow('7d'), []);
  const rules = useApi<ListAnswer<Row>>('/v1/alerts/rules', {});
  const history = useApi<ListAnswer<Row>>('/v1/alerts/history', period);
  return (
    <section>
      <header className="page-header">
        <h1>Alerts</h1>
      </header>
      <h2>Rules</h2>
      <LoadState loaded={rules} what="alert rules">
        {(answer) => <GenericTable rows={answer.data} empty="No alert rules are configured." testId="alert-rules" />}
      </LoadState>
      <h2>History (last 7 days)</h2>
      <LoadState loaded={history} what="alert history">
        {(answer) => <GenericTable rows={answer.data} empty="Nothing fired in the last 7 days." testId="alert-history" />}
      </LoadState>
    </section>
  );
}

/** A table whose columns are the keys of the rows, so fields the API adds later show without a change here. */
function GenericTable({ rows, empty, testId }: { rows: Row[]; empty: string; testId: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => column !== 'object');
  return (
    <table className="records" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column}>{column.replace(/_/g, ' ')}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={typeof row.id === 'string' ? row.id : index}>
            {columns.map((column) => (
              <td key={column}>{cell(row[column])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
