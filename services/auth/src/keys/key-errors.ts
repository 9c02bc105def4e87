import { GatewayError } from '@switchyard/shared';

/** 401 `invalid_api_key`: the same answer for a malformed, unknown, revoked or expired key, so none can be told apart. */
export function invalidApiKey(): GatewayError {
  return new GatewayError('Incorrect, revoked or expired API key. Send a valid key as Authorization: Bearer sk-sy-….', {
    status: 401,
    errorClass: 'invalid_request',
    code: 'invalid_api_key',
  });
}
