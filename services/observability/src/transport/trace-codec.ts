import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1, observabilityV1 } from '@switchyard/proto';
import type { TraceRecord, TraceSpan, TraceSpanKind, TraceSpanStatus, TraceSummary } from '@switchyard/shared';

/** Conversions between the trace queries' TypeScript types and their protobuf messages. */

const KIND_TO_PROTO: Record<TraceSpanKind, eventsV1.SpanKind> = {
  span: eventsV1.SpanKind.SPAN,
  generation: eventsV1.SpanKind.GENERATION,
  event: eventsV1.SpanKind.EVENT,
};

const STATUS_TO_PROTO: Record<TraceSpanStatus, eventsV1.SpanStatus> = {
  unset: eventsV1.SpanStatus.UNSPECIFIED,
  ok: eventsV1.SpanStatus.OK,
  error: eventsV1.SpanStatus.ERROR,
};

export function traceSummaryToProto(summary: TraceSummary): observabilityV1.TraceSummary {
  return create(observabilityV1.TraceSummarySchema, {
    ...summary,
    startedAt: timestampFromDate(summary.startedAt),
    endedAt: timestampFromDate(summary.endedAt),
  });
}

export function traceSummaryFromProto(message: observabilityV1.TraceSummary): TraceSummary {
  return {
    traceId: message.traceId,
    workspace: message.workspace,
    sessionId: message.sessionId,
    user: message.user,
    startedAt: message.startedAt ? timestampDate(message.startedAt) : new Date(0),
    endedAt: message.endedAt ? timestampDate(message.endedAt) : new Date(0),
    costUsd: message.costUsd,
    spanCount: message.spanCount,
    name: message.name,
  };
}

export function traceToProto(trace: TraceRecord): observabilityV1.Trace {
  return create(observabilityV1.TraceSchema, { summary: traceSummaryToProto(trace.summary), spans: trace.spans.map(traceSpanToProto) });
}

export function traceFromProto(message: observabilityV1.Trace): TraceRecord {
  return {
    summary: traceSummaryFromProto(message.summary ?? create(observabilityV1.TraceSummarySchema)),
    spans: message.spans.map(traceSpanFromProto),
  };
}

function traceSpanToProto(span: TraceSpan): observabilityV1.TraceSpan {
  return create(observabilityV1.TraceSpanSchema, {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: KIND_TO_PROTO[span.kind],
    startedAt: timestampFromDate(span.startedAt),
    endedAt: timestampFromDate(span.endedAt),
    status: STATUS_TO_PROTO[span.status],
    statusMessage: span.statusMessage,
    attributesJson: JSON.stringify(span.attributes),
    workspace: span.workspace,
    sessionId: span.sessionId,
    user: span.user,
    requestId: span.requestId ?? '',
    model: span.model ?? '',
    tokens: span.usage && create(eventsV1.TokenCountsSchema, { input: span.usage.inputTokens, output: span.usage.outputTokens }),
    costUsd: span.costUsd,
    serviceName: span.serviceName,
  });
}

function traceSpanFromProto(message: observabilityV1.TraceSpan): TraceSpan {
  const span: TraceSpan = {
    spanId: message.spanId,
    parentSpanId: message.parentSpanId,
    name: message.name,
    kind: message.kind === eventsV1.SpanKind.GENERATION ? 'generation' : message.kind === eventsV1.SpanKind.EVENT ? 'event' : 'span',
    startedAt: message.startedAt ? timestampDate(message.startedAt) : new Date(0),
    endedAt: message.endedAt ? timestampDate(message.endedAt) : new Date(0),
    status: message.status === eventsV1.SpanStatus.OK ? 'ok' : message.status === eventsV1.SpanStatus.ERROR ? 'error' : 'unset',
    statusMessage: message.statusMessage,
    attributes: parseAttributes(message.attributesJson),
    workspace: message.workspace,
    sessionId: message.sessionId,
    user: message.user,
    serviceName: message.serviceName,
  };
  if (message.requestId) span.requestId = message.requestId;
  if (message.model) span.model = message.model;
  if (message.tokens) span.usage = { inputTokens: message.tokens.input, outputTokens: message.tokens.output };
  if (message.costUsd !== undefined) span.costUsd = message.costUsd;
  return span;
}

function parseAttributes(text: string): Record<string, unknown> {
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}
