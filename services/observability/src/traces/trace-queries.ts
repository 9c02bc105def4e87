import { timestampDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import {
  invalidRequest,
  operationName,
  type ListTracesQuery,
  type RequestRecord,
  type TracePage,
  type TraceRecord,
  type TraceSpan,
  type TraceSummary,
  type WorkspaceScope,
} from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { REQUEST_SELECT_LIST, microsExpression, microsText, requestFromRow, type RequestRow } from '../storage/event-rows';
import { decodeCursor, encodeCursor } from '../query/request-cursor';
import { SqlParameters, scopeConditions, whereClause } from '../query/request-filter';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../query/request-queries';

/**
 * Spans (and requests) read for one trace at most: a trace view of more is
 * not read by anyone, and the answer stays well under gRPC's 4 MB.
 */
export const MAX_TRACE_SPANS = 2_000;

/** A driver's integer: `pg` gives `bigint` as a string, PGlite as a number. */
type DriverInteger = string | number | bigint;

interface SpanRow {
  workspace: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: string;
  started_at_micros: string;
  ended_at_micros: string;
  status: string;
  status_message: string;
  attributes: Record<string, unknown>;
  service_name: string;
  session_id: string;
  user_id: string;
  model: string;
  input_tokens: DriverInteger | null;
  output_tokens: DriverInteger | null;
}

const SPAN_SELECT_LIST = [
  'workspace',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  `${microsExpression('started_at')} AS started_at_micros`,
  `${microsExpression('ended_at')} AS ended_at_micros`,
  'status',
  'status_message',
  'attributes',
  'service_name',
  'session_id',
  'user_id',
  'model',
  'input_tokens',
  'output_tokens',
].join(', ');

/**
 * One trace: the application spans and the requests through the gateway
 * with its id, within `scope` (absent: every workspace). Undefined when none
 * is in scope: another workspace's trace is neither returned nor revealed.
 */
export async function getTrace(executor: SqlExecutor, traceId: string, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
  const parameters = new SqlParameters();
  const where = whereClause([`trace_id = ${parameters.add(traceId)}`, ...scopeConditions(scope, parameters)]);
  const spanRows = await executor.query<SpanRow>(
    `SELECT ${SPAN_SELECT_LIST} FROM spans ${where} ORDER BY started_at, span_id LIMIT ${MAX_TRACE_SPANS}`,
    parameters.values,
  );
  const requestRows = await executor.query<RequestRow>(
    `SELECT ${REQUEST_SELECT_LIST} FROM requests ${where} ORDER BY occurred_at, event_id LIMIT ${MAX_TRACE_SPANS}`,
    parameters.values,
  );
  const spans = [...spanRows.map(spanFromRow), ...requestRows.map((row) => generationOf(requestFromRow(row)))];
  if (spans.length === 0) return undefined;
  spans.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  return { summary: summaryOf(traceId, spans), spans };
}

function spanFromRow(row: SpanRow): TraceSpan {
  const span: TraceSpan = {
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    name: row.name,
    kind: row.kind === 'generation' || row.kind === 'event' ? row.kind : 'span',
    startedAt: dateOfMicros(row.started_at_micros),
    endedAt: dateOfMicros(row.ended_at_micros),
    status: row.status === 'ok' || row.status === 'error' ? row.status : 'unset',
    statusMessage: row.status_message,
    attributes: row.attributes ?? {},
    workspace: row.workspace,
    sessionId: row.session_id,
    user: row.user_id,
    serviceName: row.service_name,
  };
  if (row.model) span.model = row.model;
  if (row.input_tokens !== null || row.output_tokens !== null) {
    span.usage = { inputTokens: Number(row.input_tokens ?? 0), outputTokens: Number(row.output_tokens ?? 0) };
  }
  return span;
}

/** The GenAI semantic conventions' name of an operation (`chat`, `embeddings`). */
function genAiOperation(record: RequestRecord): string {
  const name = operationName(record.operation);
  return name === 'chat.completion' ? 'chat' : name;
}

/**
 * A request through the gateway as a generation span: it ended when it was
 * recorded and began `latencyMs` before; its span id is the one the gateway
 * answered in `traceparent` (a record made before span ids were, its request id).
 */
export function generationOf(record: RequestRecord): TraceSpan {
  const endedAt = record.occurredAt ? timestampDate(record.occurredAt) : new Date(0);
  const operation = genAiOperation(record);
  const model = record.servedModel || record.requestedModel;
  const failed = record.status === eventsV1.RequestStatus.FAILED || record.status === eventsV1.RequestStatus.CANCELLED;
  const attributes: Record<string, unknown> = {
    'gen_ai.operation.name': operation,
    'gen_ai.request.model': record.requestedModel,
    ...(record.servedModel && { 'gen_ai.response.model': record.servedModel }),
    ...(record.provider && { 'gen_ai.provider.name': record.provider }),
    ...(record.tokens && { 'gen_ai.usage.input_tokens': record.tokens.input, 'gen_ai.usage.output_tokens': record.tokens.output }),
    ...(record.finishReason && { 'gen_ai.response.finish_reasons': [record.finishReason] }),
    'http.response.status_code': record.httpStatus,
    ...(record.deployment && { 'switchyard.deployment': record.deployment }),
    ...(record.tags.length > 0 && { 'switchyard.tags': record.tags }),
    ...(record.streamed && { 'switchyard.time_to_first_token_ms': record.timeToFirstTokenMs }),
  };
  return {
    spanId: record.spanId || record.requestId,
    parentSpanId: record.parentSpanId,
    name: record.spanName || `${operation} ${record.requestedModel}`,
    kind: 'generation',
    startedAt: new Date(endedAt.getTime() - record.latencyMs),
    endedAt,
    status: failed ? 'error' : record.status === eventsV1.RequestStatus.SUCCEEDED ? 'ok' : 'unset',
    statusMessage: record.status === eventsV1.RequestStatus.CANCELLED ? 'cancelled' : record.errorMessage,
    attributes,
    workspace: record.workspace,
    sessionId: record.sessionId,
    user: record.user,
    serviceName: '',
    requestId: record.requestId,
    model,
    ...(record.tokens && { usage: { inputTokens: record.tokens.input, outputTokens: record.tokens.output } }),
    costUsd: record.costUsd,
  };
}

/** Its first span's workspace; the first session and user any span names; its root's name. */
function summaryOf(traceId: string, spans: readonly TraceSpan[]): TraceSummary {
  const ids = new Set(spans.map((span) => span.spanId));
  const root = spans.find((span) => span.kind !== 'event' && (span.parentSpanId === '' || !ids.has(span.parentSpanId)));
  let endedAt = spans[0].endedAt;
  let costUsd = 0;
  for (const span of spans) {
    if (span.endedAt > endedAt) endedAt = span.endedAt;
    costUsd += span.costUsd ?? 0;
  }
  return {
    traceId,
    workspace: spans[0].workspace,
    sessionId: spans.find((span) => span.sessionId !== '')?.sessionId ?? '',
    user: spans.find((span) => span.user !== '')?.user ?? '',
    startedAt: spans[0].startedAt,
    endedAt,
    costUsd,
    spanCount: spans.length,
    name: root?.name ?? '',
  };
}

interface SummaryRow {
  trace_id: string;
  workspace: string;
  session_id: string;
  user_id: string;
  started_at_micros: string;
  ended_at_micros: string;
  cost_usd: number;
  span_count: DriverInteger;
  name: string;
}

/**
 * Trace summaries, newest first (by when they started), one page at a
 * time: the traces with a span or a request in [from, to) within `scope`,
 * and with `sessionId` / `user` on at least one of them when asked. Keyset
 * pages over (start, trace id).
 */
export async function listTraces(executor: SqlExecutor, query: ListTracesQuery): Promise<TracePage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidRequest(`\`limit\` must be an integer from 1 to ${MAX_PAGE_SIZE}.`, 'limit');
  }
  const parameters = new SqlParameters();
  const scope = scopeConditions(query.scope, parameters);
  const spanConditions = [...scope];
  const requestConditions = [...scope];
  if (query.from !== undefined) {
    const from = parameters.add(query.from.toISOString());
    spanConditions.push(`started_at >= ${from}::timestamptz`);
    requestConditions.push(`occurred_at >= ${from}::timestamptz`);
  }
  if (query.to !== undefined) {
    const to = parameters.add(query.to.toISOString());
    spanConditions.push(`started_at < ${to}::timestamptz`);
    requestConditions.push(`occurred_at < ${to}::timestamptz`);
  }
  // Session and user narrow the traces (through their indexes), not the spans shown of each.
  for (const [column, value] of [
    ['session_id', query.sessionId],
    ['user_id', query.user],
  ] as const) {
    if (value === undefined) continue;
    const parameter = parameters.add(value);
    const matching = whereClause([...scope, `${column} = ${parameter}`]);
    const traces = `trace_id IN (SELECT trace_id FROM spans ${matching} UNION SELECT trace_id FROM requests ${matching})`;
    spanConditions.push(traces);
    requestConditions.push(traces);
  }
  const having: string[] = [];
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    having.push(`(min(started_at), trace_id) < (${parameters.add(microsText(cursor.occurredAtMicros))}::timestamptz, ${parameters.add(cursor.eventId)})`);
  }
  const rows = await executor.query<SummaryRow>(
    `WITH items AS (
       SELECT workspace, trace_id, started_at, ended_at, session_id, user_id, 0::double precision AS cost_usd,
         name, parent_span_id, kind = 'event' AS is_event
       FROM spans ${whereClause(spanConditions)}
       UNION ALL
       SELECT workspace, trace_id, occurred_at - latency_ms * interval '1 millisecond', occurred_at, session_id, user_id, cost_usd,
         CASE WHEN span_name <> '' THEN span_name
           ELSE (CASE operation WHEN 'chat.completion' THEN 'chat' ELSE operation END) || ' ' || requested_model END,
         parent_span_id, false
       FROM requests ${whereClause(requestConditions)}
     )
     SELECT trace_id,
       (array_agg(workspace ORDER BY started_at))[1] AS workspace,
       coalesce((array_agg(session_id ORDER BY started_at) FILTER (WHERE session_id <> ''))[1], '') AS session_id,
       coalesce((array_agg(user_id ORDER BY started_at) FILTER (WHERE user_id <> ''))[1], '') AS user_id,
       ${microsExpression('min(started_at)')} AS started_at_micros,
       ${microsExpression('max(ended_at)')} AS ended_at_micros,
       sum(cost_usd) AS cost_usd,
       count(*) AS span_count,
       coalesce((array_agg(name ORDER BY started_at) FILTER (WHERE parent_span_id = '' AND NOT is_event))[1], '') AS name
     FROM items GROUP BY trace_id
     ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
     ORDER BY min(started_at) DESC, trace_id DESC LIMIT ${limit + 1}`,
    parameters.values,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    traces: page.map((row) => ({
      traceId: row.trace_id,
      workspace: row.workspace,
      sessionId: row.session_id,
      user: row.user_id,
      startedAt: dateOfMicros(row.started_at_micros),
      endedAt: dateOfMicros(row.ended_at_micros),
      costUsd: Number(row.cost_usd),
      spanCount: Number(row.span_count),
      name: row.name,
    })),
    ...(rows.length > limit && last !== undefined
      ? { nextCursor: encodeCursor({ occurredAtMicros: BigInt(last.started_at_micros), eventId: last.trace_id }) }
      : {}),
  };
}

/** Millisecond precision is what a `Date` holds; the micros stay in the cursor. */
function dateOfMicros(micros: string): Date {
  return new Date(Number(BigInt(micros) / 1000n));
}
