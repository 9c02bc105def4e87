import { CONTEXT_LENGTH_EXCEEDED, ProviderError, providerHttpError } from '@switchyard/shared';
import { openAIErrorBodySchema, type OpenAIErrorFields } from './openai-api';

const MESSAGE_LIMIT = 1000;

/** The error fields of a parsed body, or undefined when the body is not an error. */
export function readOpenAIError(body: unknown): OpenAIErrorFields | undefined {
  const parsed = openAIErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  if (!('error' in parsed.data)) return parsed.data;
  const { error } = parsed.data;
  return typeof error === 'string' ? { message: error } : error;
}

/**
 * A non-2xx answer: OpenAI's `{error: {message, type, param, code}}` (or what
 * a compatible server sends instead) to a `ProviderError`, keeping
 * `Retry-After` and, for the client's own mistakes, the upstream `code` and
 * `param`.
 */
export function openAIHttpError(
  providerId: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): ProviderError {
  let fields: OpenAIErrorFields | undefined;
  try {
    fields = readOpenAIError(JSON.parse(bodyText));
  } catch {
    // Not JSON: a proxy's HTML page or plain text; its text is the message.
  }
  const message = fields?.message || bodyText.slice(0, MESSAGE_LIMIT) || `HTTP ${status}`;
  const code = typeof fields?.code === 'string' ? fields.code : null;
  return providerHttpError(providerId, status, message, retryAfterOf(headers), {
    // OpenAI sends the code; vLLM and other compatible servers only the words ("This model's maximum context length is 4096 tokens…").
    code: code ?? (status === 400 && /maximum context length/i.test(message) ? CONTEXT_LENGTH_EXCEEDED : null),
    param: fields?.param ?? null,
  });
}

/**
 * An `error` object sent in place of a result: inside a 200 stream, or as a
 * 200 body (OpenRouter does both). A numeric HTTP status in `code`
 * (OpenRouter's convention) is mapped as if it had been the HTTP status.
 */
export function openAIInBandError(providerId: string, fields: OpenAIErrorFields): ProviderError {
  const message = fields.message || 'no message';
  if (typeof fields.code === 'number' && fields.code >= 400 && fields.code <= 599) {
    return providerHttpError(providerId, fields.code, message);
  }
  return new ProviderError(`${providerId} reported an error: ${message}`, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: typeof fields.code === 'string' ? fields.code : 'upstream_error',
    retryable: true,
  });
}

function retryAfterOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const retryAfter = firstValue(headers['retry-after']);
  if (retryAfter !== undefined) return retryAfter;
  const milliseconds = Number(firstValue(headers['retry-after-ms']));
  return milliseconds > 0 ? String(Math.ceil(milliseconds / 1000)) : undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
