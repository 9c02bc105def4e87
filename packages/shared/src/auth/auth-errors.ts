import { GatewayError } from '../errors';

/**
 * The errors of authentication and authorization, in OpenAI's terms: a
 * missing or unusable credential is 401 `invalid_api_key`, a credential
 * that may not do what was asked is 403. Their messages never hold the
 * credential.
 */

export function invalidApiKey(message = 'A valid API key is required: send it as Authorization: Bearer <key> or x-api-key.'): GatewayError {
  return new GatewayError(message, { status: 401, errorClass: 'invalid_request', code: 'invalid_api_key' });
}

export function permissionDenied(message: string, param: string | null = null, code = 'permission_denied'): GatewayError {
  return new GatewayError(message, { status: 403, errorClass: 'invalid_request', param, code });
}
