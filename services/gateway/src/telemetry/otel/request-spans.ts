import type { AttemptRecord } from '@switchyard/shared';
import type { RequestOutcome } from '../request-recorder';
import { genAiOperationName, type ProviderIdentity } from './gen-ai-names';

export type SpanAttributes = Record<string, string | number | boolean | string[]>;

/** One span to export, in the terms of the GenAI semantic conventions; times in epoch milliseconds. */
export interface SpanPlan {
  name: string;
  /** `server`: the client's request to the gateway; `client`: one attempt at a provider. */
  kind: 'server' | 'client';
  startMs: number;
  endMs: number;
  attributes: SpanAttributes;
  /** The span's status is an error, with this `error.type`. */
  errorType?: string;
}

/** The gateway's span of one request and a child span per attempt upstream. */
export interface RequestSpans {
  traceId: string;
  spanId: string;
  /** The caller's span ('' at the trace's root). */
  parentSpanId: string;
  request: SpanPlan;
  attempts: SpanPlan[];
}

/**
 * The spans of one recorded request. The request span keeps the record's
 * ids (trace id, its own span id, the caller's span id), so a trace seen in
 * a tracing backend and in `/v1/requests` is the same. Attempts carry only
 * durations: each is laid out ending when the next began (a hedge alongside
 * the attempt it hedged), the last ending when the executor reported back,
 * or with the request when it was the stream committed to; back-off waits
 * between attempts are not shown.
 */
export function requestSpans(outcome: RequestOutcome, providers: ReadonlyMap<string, ProviderIdentity>): RequestSpans {
  const { attribution, deployment, usage } = outcome;
  const endMs = outcome.endedAt.getTime();
  const startMs = endMs - outcome.latencyMs;
  const operation = genAiOperationName(outcome.operation);
  const provider = deployment && providers.get(deployment.providerId);
  const servedModel = outcome.servedModel || deployment?.model;
  const attributes: SpanAttributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.request.model': outcome.requestedModel,
    'http.response.status_code': outcome.httpStatus,
    'switchyard.request_id': outcome.requestId,
    'switchyard.workspace': attribution.workspace,
    'switchyard.streamed': outcome.streamed,
    'switchyard.attempts': outcome.attempts,
  };
  if (provider) attributes['gen_ai.provider.name'] = provider.name;
  if (deployment) {
    attributes['switchyard.provider'] = deployment.providerId;
    attributes['switchyard.deployment'] = deployment.id;
    if (outcome.routePath) attributes['switchyard.route_path'] = outcome.routePath;
  }
  if (servedModel) attributes['gen_ai.response.model'] = servedModel;
  if (outcome.finishReason) attributes['gen_ai.response.finish_reasons'] = [outcome.finishReason];
  if (usage) {
    attributes['gen_ai.usage.input_tokens'] = usage.inputTokens;
    attributes['gen_ai.usage.output_tokens'] = usage.outputTokens;
    if (outcome.usageEstimated) attributes['switchyard.usage_estimated'] = true;
  }
  if (attribution.sessionId) attributes['gen_ai.conversation.id'] = attribution.sessionId;
  if (attribution.tags.length > 0) attributes['switchyard.tags'] = attribution.tags;
  if (outcome.servedBy) attributes['switchyard.served_by'] = outcome.servedBy;
  if (outcome.prompt) {
    attributes['switchyard.prompt.name'] = outcome.prompt.name;
    attributes['switchyard.prompt.version'] = outcome.prompt.version;
  }
  if (outcome.timeToFirstTokenMs > 0) attributes['switchyard.time_to_first_token_ms'] = outcome.timeToFirstTokenMs;
  const request: SpanPlan = {
    name: attribution.spanName || `${operation} ${outcome.requestedModel}`,
    kind: 'server',
    startMs,
    endMs,
    attributes,
    ...(outcome.error && { errorType: outcome.error.errorClass }),
  };
  if (request.errorType) attributes['error.type'] = request.errorType;
  return {
    traceId: attribution.traceId,
    spanId: attribution.spanId,
    parentSpanId: attribution.parentSpanId,
    request,
    attempts: attemptSpans(outcome, operation, providers, startMs, endMs),
  };
}

function attemptSpans(
  outcome: RequestOutcome,
  operation: string,
  providers: ReadonlyMap<string, ProviderIdentity>,
  requestStartMs: number,
  requestEndMs: number,
): SpanPlan[] {
  const report = outcome.report;
  if (!report || report.attempts.length === 0) return [];
  const reportedAtMs = Math.min(requestEndMs, requestStartMs + (outcome.reportedAfterMs ?? outcome.latencyMs));
  const spans: SpanPlan[] = new Array<SpanPlan>(report.attempts.length);
  let cursor = reportedAtMs;
  for (let index = report.attempts.length - 1; index >= 0; index--) {
    const attempt = report.attempts[index];
    const served = index === report.served;
    // The stream committed to runs on after the report, until the request ends.
    const endMs = served && outcome.streamed && attempt.outcome === 'succeeded' ? requestEndMs : cursor;
    const startMs = Math.max(requestStartMs, cursor - attempt.durationMs);
    spans[index] = attemptSpan(attempt, served ? outcome : undefined, operation, providers.get(attempt.deployment.providerId), startMs, endMs);
    // A hedge ran alongside the attempt before it: that one ended at the same time.
    if (!attempt.hedge) cursor = startMs;
  }
  return spans;
}

function attemptSpan(
  attempt: AttemptRecord,
  served: RequestOutcome | undefined,
  operation: string,
  provider: ProviderIdentity | undefined,
  startMs: number,
  endMs: number,
): SpanPlan {
  const attributes: SpanAttributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.request.model': attempt.deployment.model,
    'switchyard.provider': attempt.deployment.providerId,
    'switchyard.deployment': attempt.deployment.id,
    'switchyard.attempt.outcome': attempt.outcome,
    'switchyard.attempt.retry': attempt.retry,
  };
  if (attempt.routePath) attributes['switchyard.route_path'] = attempt.routePath;
  if (attempt.hedge) attributes['switchyard.attempt.hedge'] = true;
  if (provider) {
    attributes['gen_ai.provider.name'] = provider.name;
    if (provider.address) attributes['server.address'] = provider.address;
    if (provider.port) attributes['server.port'] = provider.port;
  }
  // The status the client would have had from this attempt (a provider's 500 is a 502 here), not the provider's own.
  if (attempt.status !== undefined) attributes['switchyard.attempt.http_status'] = attempt.status;
  if (attempt.timeToFirstTokenMs !== undefined) attributes['switchyard.time_to_first_token_ms'] = attempt.timeToFirstTokenMs;
  if (served && attempt.outcome === 'succeeded') {
    const model = served.servedModel || attempt.deployment.model;
    attributes['gen_ai.response.model'] = model;
    if (served.finishReason) attributes['gen_ai.response.finish_reasons'] = [served.finishReason];
    if (served.usage) {
      attributes['gen_ai.usage.input_tokens'] = served.usage.inputTokens;
      attributes['gen_ai.usage.output_tokens'] = served.usage.outputTokens;
    }
  }
  const errorType = attempt.outcome === 'failed' ? (attempt.failure ?? 'failed') : attempt.outcome === 'cancelled' ? 'cancelled' : undefined;
  if (errorType) attributes['error.type'] = errorType;
  if (attempt.outcome === 'skipped' && attempt.failure) attributes['switchyard.attempt.skip_reason'] = attempt.failure;
  return {
    name: `${operation} ${attempt.deployment.model}`,
    kind: 'client',
    startMs,
    // A skipped deployment was never called: a zero-length span where the plan passed it over.
    endMs: attempt.outcome === 'skipped' ? startMs : Math.max(startMs, endMs),
    attributes,
    ...(errorType && { errorType }),
  };
}
