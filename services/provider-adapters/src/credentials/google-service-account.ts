import { readFileSync } from 'node:fs';
import type { CryptoKey } from 'jose';
import { ConfigError, ProviderError } from '@switchyard/shared';
import type { UpstreamClient, UpstreamRequest } from '../http/upstream-client';
import type { CredentialSource } from './credential-source';

/** The scope Vertex AI needs (https://cloud.google.com/vertex-ai/docs/authentication). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** A token is replaced this long before it expires, so no request goes out with one about to lapse. */
export const REFRESH_MARGIN_SECONDS = 300;
const TOKEN_REQUEST_TIMEOUT_MS = 30_000;
/** Google accepts assertions valid for at most an hour. */
const ASSERTION_LIFETIME_SECONDS = 3600;

/** The fields of a service-account key file (`"type": "service_account"`) that the token exchange uses. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
  tokenUri: string;
}

/**
 * Reads a service-account key file as Google Cloud writes it. Every problem
 * is a ConfigError naming the file and the field, never quoting the key.
 */
export function readServiceAccountKeyFile(path: string, configPath: string): ServiceAccountKey {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'it is not JSON' : ((error as NodeJS.ErrnoException).code ?? 'it cannot be read');
    throw new ConfigError(`${configPath}: the service-account key file ${path} cannot be used: ${reason}`);
  }
  if (json === null || typeof json !== 'object' || json.type !== 'service_account') {
    throw new ConfigError(`${configPath}: ${path} is not a service-account key file ("type": "service_account")`);
  }
  for (const field of ['client_email', 'private_key'] as const) {
    if (typeof json[field] !== 'string' || json[field] === '') throw new ConfigError(`${configPath}: ${path} has no "${field}"`);
  }
  return {
    clientEmail: json.client_email as string,
    privateKey: json.private_key as string,
    ...(typeof json.private_key_id === 'string' && { privateKeyId: json.private_key_id }),
    tokenUri: typeof json.token_uri === 'string' && json.token_uri !== '' ? json.token_uri : GOOGLE_TOKEN_URL,
  };
}

interface AccessToken {
  value: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * A Google service account as a bearer token: a JWT signed with the
 * account's private key (RS256) is exchanged at the token endpoint for an
 * OAuth access token (the JWT bearer grant,
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
 * The token is reused until `REFRESH_MARGIN_SECONDS` before it expires;
 * concurrent requests share one exchange. A failed exchange is a retryable
 * 502 that quotes Google's error, never the key or a token.
 */
export class GoogleServiceAccountCredential implements CredentialSource {
  private token: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  private signingKey: Promise<CryptoKey> | undefined;

  constructor(
    private readonly providerId: string,
    private readonly key: ServiceAccountKey,
    private readonly http: UpstreamClient,
    private readonly options: { scope?: string; now?: () => number } = {},
  ) {}

  async authorize(request: UpstreamRequest): Promise<UpstreamRequest> {
    const token = await this.accessToken();
    return { ...request, headers: { ...request.headers, authorization: `Bearer ${token.value}` } };
  }

  private accessToken(): Promise<AccessToken> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_SECONDS > this.now()) return Promise.resolve(this.token);
    this.pending ??= this.exchange().then(
      (token) => {
        this.token = token;
        this.pending = undefined;
        return token;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  private async exchange(): Promise<AccessToken> {
    const issuedAt = this.now();
    // jose is loaded with the first token exchange, not at start (most configs have no service account).
    const { SignJWT } = await import('jose');
    const assertion = await new SignJWT({ scope: this.options.scope ?? CLOUD_PLATFORM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(this.key.privateKeyId && { kid: this.key.privateKeyId }) })
      .setIssuer(this.key.clientEmail)
      .setAudience(this.key.tokenUri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
      .sign(await this.privateKey());
    const request: UpstreamRequest = {
      providerId: this.providerId,
      method: 'POST',
      url: this.key.tokenUri,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      // Shared by every request waiting for it: no one client's cancellation ends it.
      signal: new AbortController().signal,
      timeoutMs: TOKEN_REQUEST_TIMEOUT_MS,
    };
    const response = await this.http.send(request, (status, _headers, bodyText) =>
      this.exchangeFailed(`answered ${status}: ${oauthError(bodyText)}`),
    );
    const bodyText = await this.http.readText(response, request);
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(bodyText) as typeof answer;
    } catch {
      throw this.exchangeFailed('answered with a body that is not JSON');
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') throw this.exchangeFailed('answered without an access_token');
    const lifetime = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 3600;
    return { value: answer.access_token, expiresAt: issuedAt + lifetime };
  }

  private privateKey(): Promise<CryptoKey> {
    this.signingKey ??= import('jose').then(({ importPKCS8 }) => importPKCS8(this.key.privateKey, 'RS256')).catch(() => {
      this.signingKey = undefined;
      throw new ProviderError(`The private key of the service account for ${this.providerId} is not a PKCS#8 RSA key.`, {
        providerId: this.providerId,
        status: 500,
        errorClass: 'internal',
        code: 'provider_credential_invalid',
        retryable: false,
      });
    });
    return this.signingKey;
  }

  private exchangeFailed(detail: string): ProviderError {
    return new ProviderError(`${this.providerId}: the Google token endpoint ${detail}`, {
      providerId: this.providerId,
      status: 502,
      errorClass: 'upstream',
      code: 'upstream_auth_failed',
      retryable: true,
    });
  }

  private now(): number {
    return this.options.now ? this.options.now() : Math.floor(Date.now() / 1000);
  }
}

/** Google's OAuth error answer (`{"error": "invalid_grant", "error_description": "..."}`), or the text. */
function oauthError(bodyText: string): string {
  try {
    const body = JSON.parse(bodyText) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === 'string') return typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error;
  } catch {
    // Not JSON.
  }
  const text = bodyText.trim();
  return text === '' ? 'an empty body' : text.slice(0, 300);
}
