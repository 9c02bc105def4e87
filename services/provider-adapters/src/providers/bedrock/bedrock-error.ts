import { CONTEXT_LENGTH_EXCEEDED, ProviderError, providerHttpError } from '@switchyard/shared';
import { bedrockErrorBodySchema } from './bedrock-api';

/**
 * An error answer (non-2xx) as the error the client sees. Bedrock names the
 * error in the `x-amzn-errortype` header (`ValidationException:http://…`)
 * and explains it in `{ "message": … }`; both are kept. A 429
 * (ThrottlingException) keeps its Retry-After; 5xx and 424
 * (ModelErrorException) are retryable (see `providerHttpError`).
 */
export function bedrockHttpError(
  providerId: string,
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
): ProviderError {
  const retryAfter = first(headers['retry-after']);
  const errorType = first(headers['x-amzn-errortype'])?.split(':')[0];
  const message = errorMessage(bodyText);
  // A ValidationException says it only in words, which differ by model family.
  const code = status === 400 && CONTEXT_LENGTH_MESSAGE.test(message) ? CONTEXT_LENGTH_EXCEEDED : null;
  return providerHttpError(providerId, status, errorType ? `${message} (${errorType})` : message, retryAfter, { code });
}

/** "Input is too long for requested model", "prompt is too long", "too many input tokens", "maximum context length". */
const CONTEXT_LENGTH_MESSAGE = /input is too long|prompt is too long|too many input tokens|maximum context length/i;

/**
 * An exception frame inside a 200 stream (`:message-type: exception`), named
 * by its `:exception-type`. Throttling and unavailability are retryable 429s;
 * internal and model-stream errors retryable 502s; anything else a 502.
 */
export function bedrockStreamError(providerId: string, exceptionType: string, payload: string): ProviderError {
  const message = `${providerId} sent an error mid-stream: ${errorMessage(payload)} (${exceptionType})`;
  if (exceptionType === 'throttlingException' || exceptionType === 'serviceUnavailableException') {
    return new ProviderError(message, {
      providerId,
      status: 429,
      errorClass: 'rate_limited',
      code: exceptionType === 'throttlingException' ? 'rate_limit_exceeded' : 'upstream_overloaded',
      retryable: true,
    });
  }
  return new ProviderError(message, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_stream_error',
    retryable: exceptionType === 'internalServerException' || exceptionType === 'modelStreamErrorException',
  });
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorMessage(bodyText: string): string {
  try {
    const parsed = bedrockErrorBodySchema.safeParse(JSON.parse(bodyText));
    const message = parsed.success ? (parsed.data.message ?? parsed.data.Message) : undefined;
    if (message) return message;
  } catch {
    // Not JSON: quoted as text below.
  }
  const text = bodyText.trim();
  return text === '' ? 'an empty body' : text.slice(0, 500);
}
