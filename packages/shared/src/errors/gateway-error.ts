/**
 * The one error hierarchy of Switchyard. It knows no wire format: the gateway
 * maps it to each client's error shape at its edge (OpenAI's in
 * services/gateway/src/http/openai-error-body.ts), the transports to gRPC status.
 */

/** Coarse class of an error, used for metrics, logs and retry decisions. */
export type ErrorClass =
  'invalid_request' | 'not_found' | 'payload_too_large' | 'rate_limited' | 'timeout' | 'upstream' | 'unavailable' | 'cancelled' | 'internal';

export interface GatewayErrorOptions {
  status: number;
  errorClass: ErrorClass;
  code?: string | null;
  param?: string | null;
  /** Whether the next deployment of a fallback chain may be tried. */
  retryable?: boolean;
  /** Seconds, from an upstream `Retry-After`. */
  retryAfter?: string;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly errorClass: ErrorClass;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfter?: string;

  constructor(message: string, options: GatewayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.status = options.status;
    this.errorClass = options.errorClass;
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.retryable = options.retryable ?? false;
    this.retryAfter = options.retryAfter;
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): GatewayError {
  return new GatewayError(message, { status: 400, errorClass: 'invalid_request', param, code });
}

export function modelNotFound(model: string): GatewayError {
  return new GatewayError(`The model \`${model}\` does not exist or is not configured in this gateway.`, {
    status: 404,
    errorClass: 'not_found',
    param: 'model',
    code: 'model_not_found',
  });
}

export function noProviderConfigured(): GatewayError {
  return new GatewayError(
    'No provider is configured. Set OPENAI_API_KEY (and optionally OPENAI_BASE_URL), ANTHROPIC_API_KEY or another ' +
      "provider's variable (GEMINI_API_KEY, GROQ_API_KEY, OLLAMA_HOST, ...: `switchyard providers` lists them), " +
      'or pass a config file with --config / SWITCHYARD_CONFIG.',
    { status: 503, errorClass: 'unavailable', code: 'no_provider_configured' },
  );
}

/** A guardrail refused the request (`guardrail`: `pii`, `injection`, `topics`); the message says why without repeating the content. */
export function contentBlocked(guardrail: string, reason: string): GatewayError {
  return new GatewayError(`The request was blocked by the ${guardrail} guardrail: ${reason}.`, {
    status: 400,
    errorClass: 'invalid_request',
    code: 'content_blocked',
    param: 'messages',
  });
}

export function internalError(message: string, cause?: unknown): GatewayError {
  return new GatewayError(message, { status: 500, errorClass: 'internal', code: 'internal_error', cause });
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
