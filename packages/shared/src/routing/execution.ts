import type {
  ChatRequest,
  ChatResponse,
  Deployment,
  EmbeddingRequest,
  EmbeddingResponse,
  RouteAttempt,
  RoutePlan,
  StreamPart,
  TranscriptionRequest,
  TranscriptionResponse,
} from '../canonical';
import type { GatewayError } from '../errors';
import type { CallContext, NativeStreamEvent } from '../services/contracts';

/**
 * Why an attempt failed, in the terms fallback rules are written in. Derived
 * from the error (status, class, code), never from the message text alone.
 */
export const failureKinds = [
  'rate_limit',
  'server_error',
  'timeout',
  'connection',
  'context_length',
  'content_policy',
  /** The deployment's model lacks what the request needs (tools, images, a JSON schema), per the catalog. */
  'capability',
  'client_error',
  'bad_response',
  'breaker_open',
  'cancelled',
  'internal',
] as const;
export type FailureKind = (typeof failureKinds)[number];

/** One try of one deployment for one client request. */
export interface AttemptRecord {
  deployment: Deployment;
  routePath: string;
  /** 0 for the first try of this deployment, 1.. for its retries. */
  retry: number;
  outcome: 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  /** With `failed` and `skipped`. */
  failure?: FailureKind;
  /** The status the client would have seen from this attempt alone. */
  status?: number;
  durationMs: number;
  /** Streams: time until the first part. */
  timeToFirstTokenMs?: number;
  /** Whether this attempt was a hedge (a second request sent while the first was still running). */
  hedge?: boolean;
}

/** What happened to one client request upstream: every attempt in order, and which one answered. */
export interface ExecutionReport {
  attempts: AttemptRecord[];
  /** Index into `attempts` of the one that answered (a stream: the one committed to). */
  served?: number;
}

/**
 * How a plan is run: retries of one deployment, when to move on to the next,
 * how long one attempt may take, and hedging. The gateway works it out from
 * the `resilience` config (and the route's overrides) and sends it with the
 * plan, so the executor, wherever it runs, follows the gateway's config.
 */
export interface ExecutionPolicy {
  /** Further tries of one deployment after a failure of a kind in `retryOn`. */
  retries: number;
  /** Failure kinds a deployment is tried again on (after a back-off). */
  retryOn: readonly FailureKind[];
  /** Failure kinds after which the next deployment of the plan is tried; any other ends the request. */
  fallbackOn: readonly FailureKind[];
  /** Exponential back-off with full jitter: a wait is uniform in [0, min(maxMs, initialMs * multiplier^retry)). */
  backoff: { initialMs: number; maxMs: number; multiplier: number };
  /** A `Retry-After` longer than this is not waited for: the next deployment is tried instead. */
  maxRetryAfterMs: number;
  /** An attempt that has not answered (a stream: sent its first part) within this long is cancelled as a timeout. */
  attemptTimeoutMs?: number;
  /** A second request to the next deployment when the first has not answered within `afterMs`; the first to answer wins. */
  hedging?: { afterMs: number };
}

/** Attempts run only after a failure of one kind: a larger-context model, an alternative for refused content. */
export type KindFallbacks = Partial<Record<'context_length' | 'content_policy', RouteAttempt[]>>;

/** A route plan ready to run: the ordered attempts, and the deadline over all of them. */
export interface ExecutionPlan extends RoutePlan {
  /** Epoch ms after which no new attempt starts and the running one is cancelled. */
  deadline?: number;
  /** How to run it; the executor's own default without it. */
  policy?: ExecutionPolicy;
  /** Where to go after a context-length or content-policy failure, whatever `fallbackOn` says. */
  fallbacks?: KindFallbacks;
}

/**
 * Runs a plan where the request already is (in process, or in the adapter
 * service behind ONE gRPC call): retries, fallback by failure kind, breakers,
 * hedging. A rejection is a GatewayError that carries its report
 * (`executionReportOf`).
 */
export interface PlanExecutor {
  complete(plan: ExecutionPlan, request: ChatRequest, context: CallContext): Promise<{ response: ChatResponse; report: ExecutionReport }>;
  /**
   * Resolves once one deployment has started streaming (the plan is then
   * committed to it: later failures end the stream); `report` holds the
   * attempts up to that one, `final` every attempt once the stream is over.
   */
  stream(
    plan: ExecutionPlan,
    request: ChatRequest,
    context: CallContext,
  ): Promise<{ parts: AsyncIterable<StreamPart>; report: ExecutionReport; final: Promise<ExecutionReport> }>;
  embed(plan: ExecutionPlan, request: EmbeddingRequest, context: CallContext): Promise<{ response: EmbeddingResponse; report: ExecutionReport }>;
  /** A Responses API body passed through to Responses-native deployments (`ProviderAdapterService.respond`); absent where not offered. */
  respond?(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
  ): Promise<{ response: Record<string, unknown>; report: ExecutionReport }>;
  /** The same, streamed, committed as `stream` is. */
  streamRespond?(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
  ): Promise<{ events: AsyncIterable<NativeStreamEvent>; report: ExecutionReport; final: Promise<ExecutionReport> }>;
  /** An audio transcription (`ProviderAdapterService.transcribe`); absent where not offered (the gateway then answers 501). */
  transcribe?(
    plan: ExecutionPlan,
    request: TranscriptionRequest,
    context: CallContext,
  ): Promise<{ response: TranscriptionResponse; report: ExecutionReport }>;
}

/** Attempts made: retries and hedges count, deployments the gate skipped (breaker open) do not. */
export function attemptsMade(report: ExecutionReport): number {
  let count = 0;
  for (const attempt of report.attempts) if (attempt.outcome !== 'skipped') count++;
  return count;
}

const reports = new WeakMap<Error, ExecutionReport>();

/** Attaches the attempts that led to `error`, for headers and records. */
export function withExecutionReport<E extends GatewayError>(error: E, report: ExecutionReport): E {
  reports.set(error, report);
  return error;
}

export function executionReportOf(error: unknown): ExecutionReport | undefined {
  return error instanceof Error ? reports.get(error) : undefined;
}

/**
 * Admission of attempts, per deployment: the circuit breakers and key
 * cool-downs. The executor asks before each attempt and tells it each outcome.
 */
export interface AttemptGate {
  /** False when the deployment must be skipped now (breaker open, every key cooling down). */
  admit(deployment: Deployment): boolean;
  /** Why `admit` refused the deployment: `breaker_open`, or `rate_limit` when every key cools down; `breaker_open` when absent. */
  skipReason?(deployment: Deployment): FailureKind;
  /** The outcome of an admitted attempt; `retryAfterMs` from a 429's Retry-After. */
  record(deployment: Deployment, outcome: { ok: boolean; failure?: FailureKind; durationMs: number; retryAfterMs?: number }): void;
}

/** A gate that admits everything (no breakers configured, tests). */
export const OPEN_GATE: AttemptGate = { admit: () => true, record: () => {} };
