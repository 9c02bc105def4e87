import { eventsV1 } from '@switchyard/proto';
import type { SqlExecutor } from '@switchyard/database';
import { enumName, insertParameters, timestampText, type InsertColumn } from '../storage/event-rows';

type SpansReceived = eventsV1.SpansReceived;
type Span = eventsV1.Span;

/** One row of `spans`: a span with the event that carried it. */
interface ReceivedSpan {
  event: SpansReceived;
  span: Span;
}

export const SPAN_KIND_NAMES: Record<eventsV1.SpanKind, 'span' | 'generation' | 'event'> = {
  [eventsV1.SpanKind.UNSPECIFIED]: 'span',
  [eventsV1.SpanKind.SPAN]: 'span',
  [eventsV1.SpanKind.GENERATION]: 'generation',
  [eventsV1.SpanKind.EVENT]: 'event',
};

export const SPAN_STATUS_NAMES: Record<eventsV1.SpanStatus, 'ok' | 'error' | 'unset'> = {
  [eventsV1.SpanStatus.UNSPECIFIED]: 'unset',
  [eventsV1.SpanStatus.OK]: 'ok',
  [eventsV1.SpanStatus.ERROR]: 'error',
};

const spanColumns: readonly InsertColumn<ReceivedSpan>[] = [
  { name: 'workspace', type: 'text', value: ({ event }) => event.workspace },
  { name: 'trace_id', type: 'text', value: ({ span }) => span.traceId },
  { name: 'span_id', type: 'text', value: ({ span }) => span.spanId },
  { name: 'parent_span_id', type: 'text', value: ({ span }) => span.parentSpanId },
  { name: 'name', type: 'text', value: ({ span }) => span.name },
  { name: 'kind', type: 'text', value: ({ span }) => SPAN_KIND_NAMES[span.kind] ?? enumName(eventsV1.SpanKind, span.kind) },
  { name: 'started_at', type: 'timestamptz', value: ({ span }) => timestampText(span.startedAt) },
  { name: 'ended_at', type: 'timestamptz', value: ({ span }) => timestampText(span.endedAt) },
  { name: 'status', type: 'text', value: ({ span }) => SPAN_STATUS_NAMES[span.status] ?? 'unset' },
  { name: 'status_message', type: 'text', value: ({ span }) => span.statusMessage },
  { name: 'attributes', type: 'text', cast: 'jsonb', value: ({ span }) => span.attributesJson || '{}' },
  { name: 'service_name', type: 'text', value: ({ span }) => span.serviceName },
  { name: 'session_id', type: 'text', value: ({ span }) => span.sessionId },
  { name: 'user_id', type: 'text', value: ({ span }) => span.user },
  { name: 'model', type: 'text', value: ({ span }) => span.model },
  { name: 'input_tokens', type: 'bigint', value: ({ span }) => (span.tokens === undefined ? null : span.tokens.input) },
  { name: 'output_tokens', type: 'bigint', value: ({ span }) => (span.tokens === undefined ? null : span.tokens.output) },
  { name: 'event_id', type: 'text', value: ({ event }) => event.eventId },
  { name: 'key_id', type: 'text', value: ({ event }) => event.keyId },
  { name: 'received_at', type: 'timestamptz', value: ({ event }) => timestampText(event.occurredAt) },
];

const names = spanColumns.map((column) => column.name).join(', ');
const INSERT_SPANS =
  `INSERT INTO spans (${names}) SELECT ` +
  spanColumns.map((column) => (column.cast === undefined ? column.name : `${column.name}::${column.cast}`)).join(', ') +
  ` FROM unnest(${spanColumns.map((column, index) => `$${index + 1}::${column.type}[]`).join(', ')}) AS batch(${names})` +
  ' ON CONFLICT (workspace, trace_id, span_id) DO NOTHING';

/**
 * Writes the spans of a batch of `SpansReceived` events in one statement. A
 * span already stored (sent again by an exporter's retry, or its event
 * redelivered) is left as it was. Rows go in key order, so two writers of
 * overlapping batches take their locks in the same order.
 */
export async function writeSpans(executor: SqlExecutor, events: readonly SpansReceived[]): Promise<void> {
  const byKey = new Map<string, ReceivedSpan>();
  for (const event of events) {
    for (const span of event.spans) {
      const key = `${event.workspace}\u0000${span.traceId}\u0000${span.spanId}`;
      if (!byKey.has(key)) byKey.set(key, { event, span });
    }
  }
  if (byKey.size === 0) return;
  const rows = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  await executor.query(INSERT_SPANS, insertParameters(spanColumns, rows));
}
