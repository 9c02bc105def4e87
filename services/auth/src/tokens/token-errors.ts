import { GatewayError } from '@switchyard/shared';

/** 401 `invalid_token`: malformed, expired, wrongly signed, `alg: none`, or from an issuer or for an audience not configured. */
export function invalidToken(reason: string): GatewayError {
  return new GatewayError(`Invalid bearer token: ${reason}.`, { status: 401, errorClass: 'invalid_request', code: 'invalid_token' });
}

/** 401 when no usable admin credential was sent. */
export function missingCredential(): GatewayError {
  return new GatewayError('The admin API needs a credential: send Authorization: Bearer with SWITCHYARD_ADMIN_TOKEN or an admin JWT.', {
    status: 401,
    errorClass: 'invalid_request',
    code: 'invalid_api_key',
  });
}

/** 403 `permission_denied`: the credential is good, the role does not allow the action on the target. */
export function permissionDenied(message: string): GatewayError {
  return new GatewayError(message, { status: 403, errorClass: 'invalid_request', code: 'permission_denied' });
}
