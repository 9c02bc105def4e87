import type { GatewayError } from '@switchyard/shared';

/** Anthropic's error body: https://docs.claude.com/en/api/errors ("Error shapes"). */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

/**
 * Anthropic's `error.type` for an error, by its HTTP status as Anthropic's
 * errors page lists them (other 4xx are `invalid_request_error`, other 5xx
 * `api_error`, as Anthropic itself does); an overloaded upstream stays
 * `overloaded_error` whatever status it was answered with.
 */
export function anthropicErrorType(error: Pick<GatewayError, 'status' | 'code'>): string {
  if (error.code === 'upstream_overloaded') return 'overloaded_error';
  switch (error.status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return error.status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

export function anthropicErrorBody(error: GatewayError, requestId: string): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(error), message: error.message }, request_id: requestId };
}
