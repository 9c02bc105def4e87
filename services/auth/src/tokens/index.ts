export {
  DEFAULT_JWT_AUDIENCE,
  DEFAULT_JWT_ISSUER,
  DEFAULT_TOKEN_TTL_SECONDS,
  JwtVerifier,
  MAXIMUM_TOKEN_TTL_SECONDS,
  issueMemberToken,
  looksLikeJwt,
  type OidcSettings,
  type SwitchyardJwtSettings,
} from './jwt-verifier';
export { principalOfMembers } from './member-principal';
export { invalidToken, missingCredential, permissionDenied } from './token-errors';
export { JWT_SECRET_ENV, resolveJwtSecret } from './jwt-secret';
