import { CONTEXT_LENGTH_EXCEEDED, ProviderError, providerHttpError } from '@switchyard/shared';
import { mistralErrorBodySchema, type MistralErrorBody } from './mistral-api';

const MESSAGE_LIMIT = 1000;

/**
 * An error answer (non-2xx) as the error the client sees, Mistral's message
 * kept: `{message, type, param, code}`, or a 422's `detail` list, read as
 * `loc: msg` pairs. 429 is a retryable rate limit, 5xx retryable upstream
 * errors, other 4xx are not retried (see `providerHttpError`).
 */
export function mistralHttpError(
  providerId: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): ProviderError {
  let body: MistralErrorBody | undefined;
  try {
    const parsed = mistralErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) body = parsed.data;
  } catch {
    // Not JSON: quoted as text below.
  }
  const message = (body && errorMessage(body)) || bodyText.trim().slice(0, MESSAGE_LIMIT) || `HTTP ${status}`;
  const retryAfter = headers['retry-after'];
  return providerHttpError(providerId, status, message, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, {
    // Mistral's code for it is a number-like string; its words are steadier: "… too large for model with 32768 maximum context length".
    code: status === 400 && /maximum context length/i.test(message) ? CONTEXT_LENGTH_EXCEEDED : typeof body?.code === 'string' ? body.code : null,
    param: body?.param ?? null,
  });
}

/** An `error` object sent in place of a chunk inside a 200 stream: a retryable upstream error. */
export function mistralStreamError(providerId: string, body: MistralErrorBody): ProviderError {
  return new ProviderError(`${providerId} sent an error mid-stream: ${errorMessage(body) ?? 'no message'}`, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_stream_error',
    retryable: true,
  });
}

function errorMessage(body: MistralErrorBody): string | undefined {
  if (typeof body.message === 'string' && body.message !== '') return body.message.slice(0, MESSAGE_LIMIT);
  if (body.message != null && typeof body.message === 'object') return JSON.stringify(body.message).slice(0, MESSAGE_LIMIT);
  if (typeof body.detail === 'string') return body.detail.slice(0, MESSAGE_LIMIT);
  if (Array.isArray(body.detail) && body.detail.length > 0) {
    return body.detail
      .map((issue) => `${(issue.loc ?? []).join('.')}: ${issue.msg ?? 'invalid'}`)
      .join('; ')
      .slice(0, MESSAGE_LIMIT);
  }
  return undefined;
}
