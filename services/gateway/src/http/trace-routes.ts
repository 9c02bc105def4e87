import type { ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import { create, toBinary, toJson } from '@bufbuild/protobuf';
import { otlpTraceCollectorV1 } from '@switchyard/proto';
import type { EventPublisher } from '@switchyard/events';
import {
  GatewayError,
  invalidRequest,
  tracesConfigSchema,
  type ObservabilityQueryService,
  type TraceRecord,
  type TraceSpan,
  type TraceSummary,
  type TracesConfig,
} from '@switchyard/shared';
import { readAttribution } from '../telemetry/request-attribution';
import { convertOtlpSpans } from '../traces/otlp-spans';
import { spansReceivedEvents } from '../traces/span-events';
import type { HttpExchange } from './http-exchange';
import { toGatewayError } from './http-errors';
import { decodeOtlpRequest, encodeRpcStatus, otlpEncodingOf, readOtlpBody, type OtlpEncoding } from './otlp-body';
import { optionalInteger, optionalString, optionalTime, type QueryLimits } from './observability-routes';

export interface TraceRoutesOptions {
  observability: ObservabilityQueryService;
  /** Where received spans go as `SpansReceived` events. */
  publisher: EventPublisher;
  queryLimits: QueryLimits;
  /** Bytes of a request body on the wire (`server.bodyLimitBytes`). */
  bodyLimitBytes: number;
  bodyTimeoutMs: number;
  /** `traces` of the config; its defaults when absent. */
  traces?: TracesConfig;
}

const DAY_MS = 86_400_000;
const TRACE_ID = /^[\da-f]{32}$/;

/** gRPC status codes OTLP/HTTP's `google.rpc.Status` carries, by HTTP status. */
const RPC_CODE_OF_HTTP: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 413: 8, 415: 3, 429: 8, 503: 14, 504: 4 };
const RPC_INTERNAL = 13;

/**
 * Traces: `POST /v1/traces` takes OTLP/HTTP exports (protobuf or JSON,
 * gzip or not) from applications instrumented with OpenTelemetry, in the
 * workspace of the key that sends them; `GET /v1/traces/:id` answers one
 * trace as a tree of spans, the gateway's own requests among them as
 * generations; `GET /v1/traces` lists trace summaries. Reads are scoped to
 * the caller's workspaces like `/v1/requests`.
 */
export function createTraceRoutes(options: TraceRoutesOptions): Router {
  const router = Router();
  const ingestion = (options.traces ?? tracesConfigSchema.parse({})).ingestion;
  const maxWindowMs = options.queryLimits.maxWindowDays * DAY_MS;

  router.post('/v1/traces', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const encoding = otlpEncodingOf(request.headers['content-type']);
    if (encoding === undefined) {
      request.resume();
      throw new GatewayError('Unsupported Content-Type: send OTLP/HTTP traces as application/x-protobuf or application/json.', {
        status: 415,
        errorClass: 'invalid_request',
        param: 'content-type',
        code: 'unsupported_media_type',
      });
    }
    try {
      // The key decides the workspace (or the workspace header it may act for), never the spans' content.
      const { workspace, keyId } = readAttribution(request.headers, undefined, exchange.principal);
      const body = await readOtlpBody(request, {
        limitBytes: options.bodyLimitBytes,
        maxDecompressedBytes: ingestion.maxDecompressedBytes,
        timeoutMs: options.bodyTimeoutMs,
      });
      const exported = decodeOtlpRequest(body, encoding);
      const converted = convertOtlpSpans(exported, ingestion);
      if (converted.spans.length > ingestion.maxSpansPerRequest) {
        throw new GatewayError(`A request may carry at most ${ingestion.maxSpansPerRequest} spans (events included): send smaller batches.`, {
          status: 413,
          errorClass: 'invalid_request',
          code: 'too_many_spans',
        });
      }
      const origin = { requestId: exchange.requestId, workspace, keyId, receivedAt: new Date() };
      for (const event of spansReceivedEvents(converted.spans, origin)) options.publisher.publish(event);
      const answer = create(otlpTraceCollectorV1.ExportTraceServiceResponseSchema, {
        partialSuccess:
          converted.rejected > 0
            ? { rejectedSpans: BigInt(converted.rejected), errorMessage: `${converted.rejected} spans rejected: ${converted.rejection}.` }
            : undefined,
      });
      if (encoding === 'protobuf') {
        sendBytes(response, 200, toBinary(otlpTraceCollectorV1.ExportTraceServiceResponseSchema, answer));
      } else {
        exchange.sendJson(200, toJson(otlpTraceCollectorV1.ExportTraceServiceResponseSchema, answer));
      }
      exchange.completed();
    } catch (error) {
      if (encoding === 'json') throw error;
      failInProtobuf(exchange, error);
    }
  });

  router.get('/v1/traces/:id', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const id = String(request.params.id).toLowerCase();
    if (!TRACE_ID.test(id)) throw invalidRequest('A trace id is 32 hex digits.', 'id', 'invalid_value');
    const trace = await options.observability.getTrace(id, exchange.context, exchange.principal.readableWorkspaces);
    if (!trace) {
      throw new GatewayError(`No trace with id ${id} was recorded.`, { status: 404, errorClass: 'not_found', param: 'id', code: 'trace_not_found' });
    }
    exchange.sendJson(200, formatTrace(trace));
    exchange.completed();
  });

  router.get('/v1/traces', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const query = request.query;
    const to = optionalTime(query, 'to');
    const from = optionalTime(query, 'from');
    if (from && to && from >= to) throw invalidRequest('from must be earlier than to.', 'from');
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - maxWindowMs);
    if (end.getTime() - start.getTime() > maxWindowMs) {
      throw invalidRequest(`from and to may span at most ${options.queryLimits.maxWindowDays} days.`, 'from', 'window_too_wide');
    }
    const page = await options.observability.listTraces(
      {
        scope: exchange.principal.readableWorkspaces,
        sessionId: optionalString(query, 'session_id'),
        user: optionalString(query, 'user'),
        from: start,
        to,
        limit: optionalInteger(query, 'limit', 1, 1000),
        cursor: optionalString(query, 'after'),
      },
      exchange.context,
    );
    exchange.sendJson(200, {
      object: 'list',
      data: page.traces.map(formatTraceSummary),
      has_more: page.nextCursor !== undefined,
      next_cursor: page.nextCursor ?? null,
    });
    exchange.completed();
  });

  return router;
}

/** A failed protobuf export answers `google.rpc.Status` in protobuf, which OTLP exporters read. */
function failInProtobuf(exchange: HttpExchange, error: unknown): void {
  const gatewayError = toGatewayError(error);
  const { response } = exchange;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  exchange.metrics.error(gatewayError);
  if (gatewayError.code === 'request_body_timeout' || gatewayError.status === 413) response.setHeader('connection', 'close');
  const code = RPC_CODE_OF_HTTP[gatewayError.status] ?? RPC_INTERNAL;
  const message = gatewayError.errorClass === 'internal' ? 'The spans could not be taken.' : gatewayError.message;
  sendBytes(response, gatewayError.status, encodeRpcStatus(code, message));
  exchange.completed();
}

function sendBytes(response: ServerResponse, status: number, bytes: Uint8Array): void {
  response.writeHead(status, { 'content-type': 'application/x-protobuf', 'content-length': bytes.byteLength });
  response.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function durationMs(startedAt: Date, endedAt: Date): number {
  return endedAt.getTime() - startedAt.getTime();
}

/** A trace summary as the API shows it. */
export function formatTraceSummary(summary: TraceSummary) {
  return {
    object: 'trace',
    id: summary.traceId,
    workspace: summary.workspace,
    session_id: summary.sessionId || null,
    user: summary.user || null,
    name: summary.name || null,
    started_at: summary.startedAt.toISOString(),
    ended_at: summary.endedAt.toISOString(),
    duration_ms: durationMs(summary.startedAt, summary.endedAt),
    cost_usd: summary.costUsd,
    span_count: summary.spanCount,
  };
}

interface FormattedSpan {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: TraceSpan['kind'];
  started_at: string;
  ended_at: string;
  duration_ms: number;
  status: TraceSpan['status'];
  status_message: string | null;
  service_name: string | null;
  attributes: Record<string, unknown>;
  request_id?: string;
  model?: string;
  usage?: { input_tokens: number; output_tokens: number };
  cost_usd?: number;
  children: FormattedSpan[];
}

/**
 * A trace as a tree: spans without a parent, or whose parent is not in the
 * trace (not sent, or in a workspace the caller cannot read), are its roots;
 * children in the order they started.
 */
export function formatTrace(trace: TraceRecord) {
  const nodes = new Map<string, FormattedSpan>();
  for (const span of trace.spans) if (!nodes.has(span.spanId)) nodes.set(span.spanId, formatSpan(span));
  const roots: FormattedSpan[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent_span_id === null ? undefined : nodes.get(node.parent_span_id);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const { object, id, workspace, session_id, user, name, started_at, ended_at, duration_ms, cost_usd, span_count } = formatTraceSummary(
    trace.summary,
  );
  return { object, id, workspace, session_id, user, name, started_at, ended_at, duration_ms, cost_usd, span_count, spans: roots };
}

function formatSpan(span: TraceSpan): FormattedSpan {
  return {
    span_id: span.spanId,
    parent_span_id: span.parentSpanId || null,
    name: span.name,
    kind: span.kind,
    started_at: span.startedAt.toISOString(),
    ended_at: span.endedAt.toISOString(),
    duration_ms: durationMs(span.startedAt, span.endedAt),
    status: span.status,
    status_message: span.statusMessage || null,
    service_name: span.serviceName || null,
    attributes: span.attributes,
    ...(span.requestId !== undefined && { request_id: span.requestId }),
    ...(span.model !== undefined && { model: span.model }),
    ...(span.usage !== undefined && { usage: { input_tokens: span.usage.inputTokens, output_tokens: span.usage.outputTokens } }),
    ...(span.costUsd !== undefined && { cost_usd: span.costUsd }),
    children: [],
  };
}
