import { CONTEXT_LENGTH_EXCEEDED, ProviderError, providerHttpError } from '@switchyard/shared';
import { geminiErrorBodySchema } from './gemini-api';

/**
 * An error answer (non-2xx) as the error the client sees. The body is
 * Google's `{ error: { code, message, status, details } }`; anything else is
 * quoted as text. A 429 keeps its Retry-After, or the `RetryInfo.retryDelay`
 * of the details when there is no header (see `providerHttpError` for the
 * other statuses: 5xx retryable, 4xx not).
 */
export function geminiHttpError(
  providerId: string,
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
): ProviderError {
  const header = headers['retry-after'];
  const { message, retryDelay } = readErrorBody(bodyText);
  const retryAfter = (Array.isArray(header) ? header[0] : header) ?? retryDelay;
  // Google says it only in words: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
  const code = status === 400 && /input token count.*exceeds the maximum/i.test(message) ? CONTEXT_LENGTH_EXCEEDED : null;
  return providerHttpError(providerId, status, message, retryAfter, { code });
}

/** An `error` object inside a 200 stream: 429 and 503 statuses are retryable. */
export function geminiStreamError(
  providerId: string,
  error: { code?: number | null; message?: string | null; status?: string | null },
): ProviderError {
  const message = `${providerId} sent an error mid-stream: ${error.message ?? 'no message'}${error.status ? ` (${error.status})` : ''}`;
  if (error.code === 429 || error.status === 'RESOURCE_EXHAUSTED') {
    return new ProviderError(message, { providerId, status: 429, errorClass: 'rate_limited', code: 'rate_limit_exceeded', retryable: true });
  }
  return new ProviderError(message, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_stream_error',
    retryable: error.code != null && error.code >= 500,
  });
}

function readErrorBody(bodyText: string): { message: string; retryDelay?: string } {
  try {
    const parsed = geminiErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      const { error } = parsed.data;
      const delay = error.details?.find((detail) => detail.retryDelay != null)?.retryDelay;
      return {
        message: `${error.message ?? 'no message'}${error.status ? ` (${error.status})` : ''}`,
        ...(delay != null && { retryDelay: retryAfterSeconds(delay) }),
      };
    }
  } catch {
    // Not JSON: quoted as text below.
  }
  const text = bodyText.trim();
  return { message: text === '' ? 'an empty body' : text.slice(0, 500) };
}

/** A protobuf Duration (`"34.4s"`) as whole seconds for a Retry-After value. */
function retryAfterSeconds(duration: string): string | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  return match ? String(Math.ceil(Number(match[1]))) : undefined;
}
