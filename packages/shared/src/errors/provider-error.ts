import { GatewayError, type ErrorClass } from './gateway-error';
import { scrubSecrets } from './scrub-secrets';
/**
 * An error that came from, or on the way to, a provider. Its message is
 * scrubbed of key-like strings (providers quote rejected keys back) before
 * it can reach a client, a log line or another service.
 */
export class ProviderError extends GatewayError {
  readonly providerId: string;
  /** The provider's HTTP status, when it answered. */
  readonly upstreamStatus?: number;

  constructor(
    message: string,
    options: {
      providerId: string;
      status: number;
      errorClass: ErrorClass;
      code?: string | null;
      param?: string | null;
      retryable: boolean;
      upstreamStatus?: number;
      retryAfter?: string;
      cause?: unknown;
    },
  ) {
    super(scrubSecrets(message), options);
    this.name = 'ProviderError';
    this.providerId = options.providerId;
    this.upstreamStatus = options.upstreamStatus;
  }
}

/**
 * Maps a provider's HTTP error answer to the error the client sees:
 * 429 stays 429 with its Retry-After; 400, 404, 413 and 422 are the client's
 * own mistake and keep their status, and the provider's own `code` and
 * `param` when `details` has them; anything else is a 502 that carries the
 * provider's status and message.
 */
export function providerHttpError(
  providerId: string,
  upstreamStatus: number,
  upstreamMessage: string,
  retryAfter?: string,
  details?: { code?: string | null; param?: string | null },
): ProviderError {
  const message = `${providerId} returned ${upstreamStatus}: ${upstreamMessage}`;
  if (upstreamStatus === 429) {
    return new ProviderError(message, {
      providerId,
      upstreamStatus,
      retryAfter,
      status: 429,
      errorClass: 'rate_limited',
      code: 'rate_limit_exceeded',
      retryable: true,
    });
  }
  if (upstreamStatus === 400 || upstreamStatus === 404 || upstreamStatus === 413 || upstreamStatus === 422) {
    return new ProviderError(message, {
      providerId,
      upstreamStatus,
      status: upstreamStatus === 422 ? 400 : upstreamStatus,
      errorClass: upstreamStatus === 404 ? 'not_found' : 'invalid_request',
      code: details?.code ?? 'upstream_rejected_request',
      param: details?.param ?? null,
      retryable: false,
    });
  }
  return new ProviderError(message, {
    providerId,
    upstreamStatus,
    status: 502,
    errorClass: 'upstream',
    code: `upstream_${upstreamStatus}`,
    retryable: upstreamStatus >= 500 || upstreamStatus === 408 || upstreamStatus === 409,
  });
}

export function providerTimeout(providerId: string, timeoutMs: number): ProviderError {
  return new ProviderError(`${providerId} did not answer within ${timeoutMs} ms`, {
    providerId,
    status: 504,
    errorClass: 'timeout',
    code: 'upstream_timeout',
    retryable: true,
  });
}

export function providerUnreachable(providerId: string, cause: unknown): ProviderError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ProviderError(`${providerId} could not be reached: ${detail}`, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_unreachable',
    retryable: true,
    cause,
  });
}

/** The provider answered 2xx with a body that is not what its API promises. */
export function providerBadResponse(providerId: string, detail: string): ProviderError {
  return new ProviderError(`${providerId} sent a response that could not be read: ${detail}`, {
    providerId,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_bad_response',
    retryable: false,
  });
}

export function requestCancelled(): GatewayError {
  return new GatewayError('The client closed the request.', {
    status: 499,
    errorClass: 'cancelled',
    code: 'client_closed_request',
  });
}
