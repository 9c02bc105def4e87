import type { ErrorClass, GatewayError } from './gateway-error';

/** OpenAI's `error.type` for each class of error: what its SDKs and clients switch on. */
const OPENAI_ERROR_TYPES: Record<ErrorClass, string> = {
  invalid_request: 'invalid_request_error',
  not_found: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  timeout: 'timeout_error',
  upstream: 'upstream_error',
  unavailable: 'server_error',
  cancelled: 'cancelled',
  internal: 'server_error',
};

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The error as OpenAI's APIs send it: `{"error": {"message", "type", "param", "code"}}`. */
export function openAIErrorBody(error: GatewayError): OpenAIErrorBody {
  return { error: { message: error.message, type: OPENAI_ERROR_TYPES[error.errorClass], param: error.param, code: error.code } };
}
