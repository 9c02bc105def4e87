import type { Trace, TraceSpan } from '../api-types';
import { formatMs, formatUsd } from '../format';

/** A trace's spans as a nested list, each with a bar placed on the trace's own timeline. */
export function TraceTree({ trace }: { trace: Trace }) {
  const start = Date.parse(trace.started_at);
  const total = Math.max(trace.duration_ms ?? 0, 1);
  return (
    <div className="trace" data-testid="trace-tree">
      <div className="trace-summary">
        Trace <code>{trace.id}</code> · {formatMs(trace.duration_ms)} · {formatUsd(trace.cost_usd)}
        {trace.session_id && <> · session {trace.session_id}</>}
      </div>
      <ul className="span-list">
        {trace.spans.map((span) => (
          <SpanItem key={span.span_id} span={span} start={start} total={total} />
        ))}
      </ul>
    </div>
  );
}

function SpanItem({ span, start, total }: { span: TraceSpan; start: number; total: number }) {
  const offset = Math.min(Math.max(((Date.parse(span.started_at) - start) / total) * 100, 0), 100);
  const width = Math.max(((span.duration_ms ?? 0) / total) * 100, 0.5);
  return (
    <li data-testid="trace-span">
      <div className={`span-row span-${span.kind} status-${span.status}`}>
        <span className="span-kind">{span.kind}</span>
        <span className="span-name">{span.name}</span>
        {span.model && <span className="span-model">{span.model}</span>}
        <span className="span-duration">{formatMs(span.duration_ms)}</span>
        {span.cost_usd !== undefined && <span className="span-cost">{formatUsd(span.cost_usd)}</span>}
        <span className="span-bar">
          <span style={{ marginLeft: `${offset}%`, width: `${Math.min(width, 100 - offset)}%` }} />
        </span>
      </div>
      {span.children.length > 0 && (
        <ul className="span-list">
          {span.children.map((child) => (
            <SpanItem key={child.span_id} span={child} start={start} total={total} />
          ))}
        </ul>
      )}
    </li>
  );
}
