import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ADMIN_TOKEN_PRINCIPAL,
  ANONYMOUS_PRINCIPAL,
  GatewayError,
  invalidApiKey,
  isGatewayError,
  type KeyVerifier,
  type Principal,
  type TokenVerifier,
} from '@switchyard/shared';
import { readCredential } from './read-credential';

/** Every virtual key starts with this. */
export const VIRTUAL_KEY_PREFIX = 'sk-sy-';
/** Three base64url parts: header, claims, signature. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export interface AuthenticationOptions {
  /** Whether a credential is required on every route but the public ones. */
  required: boolean;
  /** `SWITCHYARD_ADMIN_TOKEN`, when set. */
  adminToken?: string;
  /** Resolves virtual keys (`sk-sy-…`); without one, no virtual key is accepted. */
  keyVerifier?: KeyVerifier;
  /** Resolves bearer JWTs; without one, no JWT is accepted. */
  tokenVerifier?: TokenVerifier;
}

/**
 * Establishes who is calling from a request's headers alone: the bootstrap
 * admin token (compared in constant time), a virtual key through the key
 * verifier, or a JWT through the token verifier. A request without a usable
 * credential is a 401 `invalid_api_key`; when no credential is required,
 * every request is anonymous.
 */
export class RequestAuthenticator {
  private readonly adminTokenDigest?: Buffer;

  constructor(private readonly options: AuthenticationOptions) {
    if (options.adminToken) this.adminTokenDigest = digest(options.adminToken);
  }

  get required(): boolean {
    return this.options.required;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    if (!this.options.required) return ANONYMOUS_PRINCIPAL;
    const credential = readCredential(headers);
    if (credential === undefined) throw invalidApiKey();
    if (this.isAdminToken(credential)) return ADMIN_TOKEN_PRINCIPAL;
    const { keyVerifier, tokenVerifier } = this.options;
    if (credential.startsWith(VIRTUAL_KEY_PREFIX) && keyVerifier) return verified(() => keyVerifier.verify(credential));
    if (JWT_SHAPE.test(credential) && tokenVerifier) return verified(() => tokenVerifier.verify(credential));
    throw invalidApiKey('The API key is not valid.');
  }

  /** Digests of equal length are compared, so neither the token's length nor its content shows in the timing. */
  private isAdminToken(credential: string): boolean {
    return this.adminTokenDigest !== undefined && timingSafeEqual(digest(credential), this.adminTokenDigest);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * A verifier's own refusal passes as it is; any other failure (its store
 * unreachable) is a 503 that carries none of its message, which might hold
 * the credential.
 */
async function verified(verify: () => Promise<Principal>): Promise<Principal> {
  try {
    return await verify();
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError('Credentials cannot be checked right now; try again shortly.', {
      status: 503,
      errorClass: 'unavailable',
      code: 'authentication_unavailable',
      cause: error,
    });
  }
}
