import { isGatewayError } from '../errors/gateway-error';
import { ProviderError } from '../errors/provider-error';
import type { FailureKind } from './execution';

/**
 * Error codes that say the prompt does not fit the model's context window.
 * Adapters set `context_length_exceeded` where the provider says it in its
 * own words (Anthropic's "prompt is too long", Gemini's and Bedrock's
 * token-count messages); OpenAI-format providers send the code themselves.
 */
export const CONTEXT_LENGTH_CODES: ReadonlySet<string> = new Set(['context_length_exceeded']);

/** Error codes of a request the provider refused under its content policy (OpenAI, Azure's content filter). */
export const CONTENT_POLICY_CODES: ReadonlySet<string> = new Set(['content_policy_violation', 'content_filter', 'content_policy']);

/** The code an adapter puts on a provider's context-window refusal. */
export const CONTEXT_LENGTH_EXCEEDED = 'context_length_exceeded';
/** The code an adapter puts on a provider's content-policy refusal. */
export const CONTENT_POLICY_VIOLATION = 'content_policy_violation';

/** Codes of the catalog's refusals before any upstream call: this deployment lacks it, the next may not. */
const CAPABILITY_CODES: ReadonlySet<string> = new Set(['tools_not_supported', 'images_not_supported', 'json_schema_not_supported']);

/** Codes of an upstream that could not be reached, or a service between that is down. */
const CONNECTION_CODES: ReadonlySet<string> = new Set(['upstream_unreachable', 'service_unavailable']);

/**
 * Why an attempt failed, in the terms fallback rules are written in: read
 * from the error's status, class and code (which the adapters set), never
 * from its message.
 */
export function failureKind(error: unknown): FailureKind {
  if (!isGatewayError(error)) return 'internal';
  const code = error.code ?? '';
  if (error.errorClass === 'cancelled') return 'cancelled';
  if (code === 'breaker_open') return 'breaker_open';
  if (CONTEXT_LENGTH_CODES.has(code)) return 'context_length';
  if (CONTENT_POLICY_CODES.has(code)) return 'content_policy';
  if (CAPABILITY_CODES.has(code)) return 'capability';
  if (error.status === 429 || error.errorClass === 'rate_limited') return 'rate_limit';
  if (error.errorClass === 'timeout') return 'timeout';
  if (CONNECTION_CODES.has(code)) return 'connection';
  if (code === 'upstream_bad_response') return 'bad_response';
  const upstreamStatus = error instanceof ProviderError ? error.upstreamStatus : undefined;
  if (upstreamStatus === 408) return 'timeout';
  if (upstreamStatus !== undefined && upstreamStatus >= 500) return 'server_error';
  if (upstreamStatus !== undefined && upstreamStatus >= 400) return 'client_error';
  if (error.status >= 400 && error.status < 500) return 'client_error';
  if (error.errorClass === 'internal') return 'internal';
  // A provider's in-band error, a stream that broke off, a service in between that failed: the server's side.
  return 'server_error';
}

/**
 * Milliseconds a `Retry-After` value asks to wait: delta-seconds or an
 * HTTP date; undefined when absent or unreadable.
 */
export function retryAfterMs(retryAfter: string | undefined, now = Date.now()): number | undefined {
  if (retryAfter === undefined) return undefined;
  const trimmed = retryAfter.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
