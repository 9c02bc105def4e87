import { CONTEXT_LENGTH_EXCEEDED, ProviderError, providerHttpError } from '@switchyard/shared';
import { anthropicErrorBodySchema, type AnthropicErrorDetail } from './anthropic-api';

/**
 * An error answer (non-2xx) as the error the client sees. The body is
 * `{ type: 'error', error: { type, message } }`; anything else is quoted as
 * text. A 529 (overloaded) becomes a retryable 502, a 429 keeps its
 * Retry-After (see `providerHttpError`).
 */
export function anthropicHttpError(
  providerId: string,
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
): ProviderError {
  const retryAfter = headers['retry-after'];
  const message = errorMessage(bodyText);
  // Anthropic says it only in words: "prompt is too long: 208000 tokens > 200000 maximum".
  const code = status === 400 && /prompt is too long/i.test(message) ? CONTEXT_LENGTH_EXCEEDED : null;
  return providerHttpError(providerId, status, message, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, { code });
}

/**
 * An `error` event inside a 200 stream. Rate limits and overload are
 * retryable 429s; anything else is a 502.
 */
export function anthropicStreamError(providerId: string, error: AnthropicErrorDetail): ProviderError {
  const message = `${providerId} sent an error mid-stream: ${error.message} (${error.type})`;
  if (error.type === 'rate_limit_error' || error.type === 'overloaded_error') {
    return new ProviderError(message, {
      providerId,
      status: 429,
      errorClass: 'rate_limited',
      code: error.type === 'overloaded_error' ? 'upstream_overloaded' : 'rate_limit_exceeded',
      retryable: true,
    });
  }
  return new ProviderError(message, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_stream_error',
    retryable: error.type === 'api_error',
  });
}

function errorMessage(bodyText: string): string {
  try {
    const parsed = anthropicErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) return `${parsed.data.error.message} (${parsed.data.error.type})`;
  } catch {
    // Not JSON: quoted as text below.
  }
  const text = bodyText.trim();
  return text === '' ? 'an empty body' : text.slice(0, 500);
}
