import type { Principal } from './principal';

/**
 * Resolves a bearer JWT (issued by Switchyard, or by a configured OIDC
 * issuer) to its principal. Implemented by the auth service; the gateway
 * calls it, before reading a request body, for a bearer credential shaped
 * like a JWT (three base64url parts).
 */
export interface TokenVerifier {
  /**
   * The token's principal, or a `GatewayError` thrown: 401 `invalid_api_key`
   * for a malformed, expired, wrongly signed or `alg: none` token. Never
   * echoes the token.
   */
  verify(token: string): Promise<Principal>;
}
