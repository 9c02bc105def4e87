import { z } from 'zod';
import { failureKinds, type ExecutionPolicy, type FailureKind } from '../routing/execution';

/**
 * The `resilience` section: how a route plan is run — retries with back-off,
 * which failures move on to the next deployment, attempt timeouts, hedging —
 * and, per route alias, overrides and the fallbacks taken only after one kind
 * of failure (a larger-context model, an alternative for refused content).
 */

const durationMs = z.number().int().positive();
const failureKind = z.enum(failureKinds);

const backoffSchema = z.strictObject({
  /** The first retry waits up to this long. */
  initialMs: durationMs.default(100),
  /** No wait is longer than this. */
  maxMs: durationMs.default(2_000),
  /** Each retry may wait this many times longer than the one before. */
  multiplier: z.number().min(1).default(2),
});

const hedgingSchema = z.strictObject({
  /** When the first attempt has not answered (a stream: sent its first part) within this long, the next deployment is sent the request too. */
  afterMs: durationMs,
});

/** Overrides of one route alias (or model name); what it does not set comes from the section's defaults. */
export const routeResilienceSchema = z.strictObject({
  retries: z.number().int().min(0).max(10).optional(),
  retryOn: z.array(failureKind).optional(),
  fallbackOn: z.array(failureKind).optional(),
  attemptTimeoutMs: durationMs.optional(),
  /** The whole request, every attempt included, must end within this long (at most `server.requestTimeoutMs`). */
  deadlineMs: durationMs.optional(),
  hedging: hedgingSchema.optional(),
  /** An alias or model tried after a `context_length` failure: one with a larger context window. */
  contextLengthFallback: z.string().min(1).optional(),
  /** An alias or model tried after a `content_policy` refusal. */
  contentPolicyFallback: z.string().min(1).optional(),
});

export const DEFAULT_RETRY_ON: readonly FailureKind[] = ['rate_limit', 'server_error', 'timeout', 'connection'];
/** What the next deployment may not suffer from: the server side, and what this deployment's model lacks. */
export const DEFAULT_FALLBACK_ON: readonly FailureKind[] = [
  'rate_limit',
  'server_error',
  'timeout',
  'connection',
  'bad_response',
  'breaker_open',
  'context_length',
  'capability',
];

export const resilienceConfigSchema = z.strictObject({
  /** Further tries of one deployment before the next is tried; none by default (the plan's next deployment is tried at once). */
  retries: z.number().int().min(0).max(10).default(0),
  /** Failure kinds a deployment is tried again on. */
  retryOn: z.array(failureKind).default([...DEFAULT_RETRY_ON]),
  /** Failure kinds after which the next deployment is tried; never client errors unless listed here. */
  fallbackOn: z.array(failureKind).default([...DEFAULT_FALLBACK_ON]),
  backoff: backoffSchema.prefault({}),
  /** A `Retry-After` longer than this is not waited for: the next deployment is tried instead. */
  maxRetryAfterMs: durationMs.default(10_000),
  /** An attempt that has not answered (a stream: sent its first part) within this long counts as a `timeout`; none by default. */
  attemptTimeoutMs: durationMs.optional(),
  /** Off by default. */
  hedging: hedgingSchema.optional(),
  /** By route alias, or by model name for a model requested without one (`gpt-4o`, `openai/gpt-4o`). */
  routes: z.record(z.string().min(1), routeResilienceSchema).default({}),
});

export type ResilienceConfig = z.infer<typeof resilienceConfigSchema>;
export type RouteResilience = z.infer<typeof routeResilienceSchema>;

/** The policy of a route (its alias, when it has one), from the section's defaults and the route's overrides. */
export function executionPolicy(resilience: ResilienceConfig, route?: RouteResilience): ExecutionPolicy {
  const hedging = route?.hedging ?? resilience.hedging;
  const attemptTimeoutMs = route?.attemptTimeoutMs ?? resilience.attemptTimeoutMs;
  return {
    retries: route?.retries ?? resilience.retries,
    retryOn: route?.retryOn ?? resilience.retryOn,
    fallbackOn: route?.fallbackOn ?? resilience.fallbackOn,
    backoff: resilience.backoff,
    maxRetryAfterMs: resilience.maxRetryAfterMs,
    ...(attemptTimeoutMs !== undefined && { attemptTimeoutMs }),
    ...(hedging !== undefined && { hedging }),
  };
}
