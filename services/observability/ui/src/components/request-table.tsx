import type { RequestRecord } from '../api-types';
import { formatCount, formatMs, formatTime, formatUsd } from '../format';

/** Recorded requests, one a row; a click opens one. */
export function RequestTable({ requests, onOpen, testId }: { requests: RequestRecord[]; onOpen: (id: string) => void; testId: string }) {
  return (
    <table className="records" data-testid={testId}>
      <thead>
        <tr>
          <th>Time</th>
          <th>Request</th>
          <th>Workspace</th>
          <th>Model</th>
          <th>Provider</th>
          <th>Status</th>
          <th>Latency</th>
          <th>Tokens in / out</th>
          <th>Cost</th>
        </tr>
      </thead>
      <tbody>
        {requests.map((record) => (
          <tr key={record.id} className={`status-${record.status}`} onClick={() => onOpen(record.id)} data-request-id={record.id}>
            <td>{formatTime(record.created_at)}</td>
            <td>
              <a
                href={`#/requests/${encodeURIComponent(record.id)}`}
                onClick={(event) => {
                  event.preventDefault();
                  onOpen(record.id);
                }}
              >
                {record.id}
              </a>
            </td>
            <td>{record.workspace}</td>
            <td>{record.served_model ?? record.requested_model}</td>
            <td>{record.provider ?? record.served_by ?? '—'}</td>
            <td>{record.status}</td>
            <td>{formatMs(record.latency_ms)}</td>
            <td>
              {formatCount(record.usage.input_tokens)} / {formatCount(record.usage.output_tokens)}
            </td>
            <td>{formatUsd(record.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
