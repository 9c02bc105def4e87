import type { createRemoteJWKSet, JWTPayload } from 'jose';
import type { Principal } from '@switchyard/shared';
import type { Member } from '../organizations/governance-model';
import type { GovernanceStore } from '../storage/governance-store';
import { principalOfMembers } from './member-principal';
import { invalidToken, permissionDenied } from './token-errors';

/** Switchyard-issued admin JWTs: HS256 under a server secret. */
export interface SwitchyardJwtSettings {
  /** At least 32 bytes. */
  secret: Uint8Array;
  /** `iss` of the tokens; default `switchyard`. */
  issuer?: string;
  /** `aud` of the tokens; default `switchyard-admin`. */
  audience?: string;
}

/** An external OpenID Connect issuer whose tokens are accepted, checked against its JWKS. */
export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Default `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Accepted signature algorithms; default RS256, ES256, EdDSA, PS256. */
  algorithms?: string[];
}

export const DEFAULT_JWT_ISSUER = 'switchyard';
export const DEFAULT_JWT_AUDIENCE = 'switchyard-admin';
/** Token lifetime bounds: an hour by default, at most 30 days. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAXIMUM_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return token.length <= 16_384 && JWT_SHAPE.test(token);
}

/**
 * Verifies admin JWTs: Switchyard's own (HS256; `mid` names the membership,
 * checked to still exist, so removing a member revokes its tokens) and an
 * OIDC issuer's (its `sub` looked up among the members). `alg: none`, a wrong
 * signature, an expired token and a wrong issuer or audience are all 401
 * `invalid_token`; a valid token whose subject holds no role is 403.
 * Shaped as the gateway's `TokenVerifier` (`verify(token)`).
 */
/** jose, loaded with the first token rather than at start (a process may never see one). */
let joseModule: Promise<typeof import('jose')> | undefined;
const jose = (): Promise<typeof import('jose')> => (joseModule ??= import('jose'));

export class JwtVerifier {
  private readonly jwksUrl?: URL;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly store: GovernanceStore,
    private readonly switchyard: SwitchyardJwtSettings | undefined,
    private readonly oidc: OidcSettings | undefined,
  ) {
    if (switchyard !== undefined && switchyard.secret.byteLength < 32) throw new Error('The admin JWT secret must be at least 32 bytes.');
    if (oidc !== undefined) {
      this.jwksUrl = new URL(oidc.jwksUrl ?? `${oidc.issuer.replace(/\/$/, '')}/.well-known/jwks.json`);
    }
  }

  async verify(token: string): Promise<Principal> {
    if (!looksLikeJwt(token)) throw invalidToken('not a JWT');
    const { createRemoteJWKSet, decodeJwt, decodeProtectedHeader } = await jose();
    let algorithm: unknown;
    let issuer: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
      issuer = decodeJwt(token).iss;
    } catch {
      // Not base64url JSON: jose throws TypeErrors and its own errors alike.
      throw invalidToken('malformed');
    }
    if (typeof algorithm !== 'string' || algorithm.toLowerCase() === 'none') throw invalidToken('unsigned tokens (`alg: none`) are refused');
    if (this.switchyard !== undefined && issuer === (this.switchyard.issuer ?? DEFAULT_JWT_ISSUER)) return this.verifyOwn(token, this.switchyard);
    if (this.oidc !== undefined && this.jwksUrl !== undefined && issuer === this.oidc.issuer) {
      // One key set for the verifier's life: it caches the issuer's keys and paces their refetching.
      this.jwks ??= createRemoteJWKSet(this.jwksUrl, { timeoutDuration: 5_000, cooldownDuration: 30_000 });
      return this.verifyOidc(token, this.oidc, this.jwks);
    }
    throw invalidToken('unknown issuer');
  }

  private async verifyOwn(token: string, settings: SwitchyardJwtSettings): Promise<Principal> {
    const { jwtVerify } = await jose();
    const payload = await checked(() =>
      jwtVerify(token, settings.secret, {
        algorithms: ['HS256'],
        issuer: settings.issuer ?? DEFAULT_JWT_ISSUER,
        audience: settings.audience ?? DEFAULT_JWT_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'mid'],
      }),
    );
    const member = typeof payload.mid === 'string' ? await this.store.getMember(payload.mid) : undefined;
    if (member === undefined || member.subject !== payload.sub) throw invalidToken('the membership it was issued for no longer exists');
    return principalOfMembers(member.subject, [member], await this.organizationWorkspaces([member]))!;
  }

  /** The workspaces of the organization in which one of `members` holds an organization-level role. */
  private async organizationWorkspaces(members: readonly Member[]): Promise<string[]> {
    const organizationLevel = members.find((member) => member.workspace === null);
    if (organizationLevel === undefined) return [];
    return (await this.store.listWorkspaces(organizationLevel.organization)).map((workspace) => workspace.id);
  }

  private async verifyOidc(token: string, settings: OidcSettings, jwks: ReturnType<typeof createRemoteJWKSet>): Promise<Principal> {
    const { jwtVerify } = await jose();
    const payload = await checked(() =>
      jwtVerify(token, jwks, {
        algorithms: settings.algorithms ?? ['RS256', 'ES256', 'EdDSA', 'PS256'],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['sub', 'exp'],
      }),
    );
    const subject = payload.sub!;
    const members = await this.store.listMembers({ subject });
    const principal = principalOfMembers(subject, members, await this.organizationWorkspaces(members));
    if (principal === undefined) throw permissionDenied('The token is valid, but its subject holds no role in any organization or workspace.');
    return principal;
  }
}

async function checked(verify: () => Promise<{ payload: JWTPayload }>): Promise<JWTPayload> {
  try {
    return (await verify()).payload;
  } catch (error) {
    const { errors } = await jose();
    if (error instanceof errors.JWTExpired) throw invalidToken('expired');
    if (error instanceof errors.JWTClaimValidationFailed) throw invalidToken(`claim \`${error.claim}\` is not accepted`);
    if (error instanceof errors.JWSSignatureVerificationFailed) throw invalidToken('signature verification failed');
    if (error instanceof errors.JWKSNoMatchingKey) throw invalidToken('no key of the issuer matches');
    if (error instanceof errors.JOSEAlgNotAllowed) throw invalidToken('signature algorithm not accepted');
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) throw invalidToken('the issuer’s keys could not be fetched');
    if (error instanceof errors.JOSEError) throw invalidToken('malformed');
    throw error;
  }
}

/** Mints a Switchyard admin JWT for `member` (the caller checked it may). */
export async function issueMemberToken(
  settings: SwitchyardJwtSettings,
  member: Member,
  ttlSeconds: number,
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now / 1000);
  const { SignJWT } = await jose();
  const token = await new SignJWT({
    mid: member.id,
    org: member.organization,
    ...(member.workspace === null ? {} : { ws: member.workspace }),
    role: member.role,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(settings.issuer ?? DEFAULT_JWT_ISSUER)
    .setAudience(settings.audience ?? DEFAULT_JWT_AUDIENCE)
    .setSubject(member.subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(settings.secret);
  return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000) };
}
