import { createHash, timingSafeEqual } from 'node:crypto';
import { ADMIN_TOKEN_PRINCIPAL, ANONYMOUS_PRINCIPAL, type Principal } from '@switchyard/shared';
import type { JwtVerifier } from '../tokens/jwt-verifier';
import { looksLikeJwt } from '../tokens/jwt-verifier';
import { missingCredential } from '../tokens/token-errors';

/**
 * Who is calling the admin API: the bootstrap `SWITCHYARD_ADMIN_TOKEN`
 * (compared in constant time), a Switchyard or OIDC JWT, or nobody — allowed
 * only on a development server.
 */
export class AdminAuthenticator {
  private readonly adminTokenDigest?: Buffer;

  constructor(
    adminToken: string | undefined,
    private readonly jwt: JwtVerifier,
    private readonly allowUnauthenticated: boolean,
  ) {
    if (adminToken !== undefined && adminToken !== '') this.adminTokenDigest = digest(adminToken);
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const credential = bearer(authorization);
    if (credential === undefined) {
      if (this.allowUnauthenticated) return ANONYMOUS_PRINCIPAL;
      throw missingCredential();
    }
    // Both sides hashed first: equal lengths for timingSafeEqual, and nothing learnt from the time taken.
    if (this.adminTokenDigest !== undefined && timingSafeEqual(digest(credential), this.adminTokenDigest)) return ADMIN_TOKEN_PRINCIPAL;
    if (looksLikeJwt(credential)) return this.jwt.verify(credential);
    throw missingCredential();
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
