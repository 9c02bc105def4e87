import { CONTEXT_LENGTH_EXCEEDED, ProviderError, providerHttpError } from '@switchyard/shared';
import { cohereErrorBodySchema } from './cohere-api';

const MESSAGE_LIMIT = 1000;

/**
 * An error answer (non-2xx) as the error the client sees, Cohere's message
 * kept. Cohere's body is `{id?, message}`; anything else is quoted as text.
 * 429 is a retryable rate limit, 5xx retryable upstream errors, other 4xx
 * (400, 401, 402, 404, 422, and Cohere's 498 invalid token and 499 request
 * cancelled) are not retried (see `providerHttpError`).
 */
export function cohereHttpError(
  providerId: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): ProviderError {
  const retryAfter = headers['retry-after'];
  const message = errorMessage(bodyText, status);
  // Cohere says it only in words: "too many tokens: total number of tokens in the prompt cannot exceed …".
  const code = status === 400 && /too many tokens/i.test(message) ? CONTEXT_LENGTH_EXCEEDED : null;
  return providerHttpError(providerId, status, message, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, { code });
}

/** A `message-end` event that reports an error inside a 200 stream: a retryable upstream error. */
export function cohereStreamError(providerId: string, message: string): ProviderError {
  return new ProviderError(`${providerId} sent an error mid-stream: ${message.slice(0, MESSAGE_LIMIT)}`, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_stream_error',
    retryable: true,
  });
}

function errorMessage(bodyText: string, status: number): string {
  try {
    const parsed = cohereErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) return parsed.data.message.slice(0, MESSAGE_LIMIT);
  } catch {
    // Not JSON: a proxy's page or plain text, quoted below.
  }
  const text = bodyText.trim();
  return text === '' ? `HTTP ${status}` : text.slice(0, MESSAGE_LIMIT);
}
