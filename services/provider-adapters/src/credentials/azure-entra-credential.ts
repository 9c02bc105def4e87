import { providerBadResponse, ProviderError } from '@switchyard/shared';
import { z } from 'zod';
import type { UpstreamClient, UpstreamRequest } from '../http/upstream-client';
import type { CredentialSource } from './credential-source';

/** The scope of Azure OpenAI (Cognitive Services) data-plane calls. */
export const AZURE_COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** A token is renewed this long before it expires, so no request leaves with one about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** One token request may take this long. */
const TOKEN_TIMEOUT_MS = 30_000;

/**
 * The token endpoint's answer to a client-credentials grant
 * (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 */
const tokenResponseSchema = z.object({
  token_type: z.string(),
  expires_in: z.coerce.number().positive(),
  access_token: z.string().min(1),
});

/** Its error answer: `{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. …"}`. */
const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

export interface AzureEntraCredentialOptions {
  providerId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `https://login.microsoftonline.com`, or a sovereign cloud's (or a test's) authority. */
  authorityUrl: string;
  http: UpstreamClient;
  scope?: string;
  /** Milliseconds since the epoch; injected by tests. */
  now?: () => number;
}

/**
 * Microsoft Entra ID client credentials: a bearer token from the tenant's
 * token endpoint, kept until shortly before it expires and then renewed.
 * Requests that arrive while it is renewed share the one token request.
 * The secret goes only to the token endpoint; the token only upstream.
 */
export class AzureEntraCredential implements CredentialSource {
  private token: { value: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly now: () => number;
  private readonly tokenUrl: string;

  constructor(private readonly options: AzureEntraCredentialOptions) {
    this.now = options.now ?? Date.now;
    this.tokenUrl = `${options.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(options.tenantId)}/oauth2/v2.0/token`;
  }

  async authorize(request: UpstreamRequest): Promise<UpstreamRequest> {
    const token = await this.accessToken();
    return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
  }

  /** A token valid for at least the refresh margin, asking for a new one only when needed. */
  accessToken(): Promise<string> {
    if (this.token !== undefined && this.now() < this.token.renewAt) return Promise.resolve(this.token.value);
    this.pending ??= this.requestToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async requestToken(): Promise<string> {
    const { providerId, http } = this.options;
    const request: UpstreamRequest = {
      providerId,
      method: 'POST',
      url: this.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        scope: this.options.scope ?? AZURE_COGNITIVE_SERVICES_SCOPE,
      }).toString(),
      // Shared by every request waiting for it, so no one request's cancellation ends it.
      signal: new AbortController().signal,
      timeoutMs: TOKEN_TIMEOUT_MS,
    };
    const requested = this.now();
    const response = await http.send(request, (status, _headers, text) => tokenRequestFailed(providerId, status, text));
    const text = await http.readText(response, request);
    let parsed: z.infer<typeof tokenResponseSchema>;
    try {
      parsed = tokenResponseSchema.parse(JSON.parse(text));
    } catch {
      throw providerBadResponse(providerId, 'the Microsoft Entra ID token endpoint answered without an access token');
    }
    const lifetimeMs = parsed.expires_in * 1000;
    // Counted from when it was asked for; a token shorter-lived than the margin is renewed at half its life.
    this.token = { value: parsed.access_token, renewAt: requested + Math.max(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs / 2) };
    return parsed.access_token;
  }
}

/** The token endpoint refused: Entra's own error code and description, never the request (it holds the secret). */
function tokenRequestFailed(providerId: string, status: number, bodyText: string): ProviderError {
  let detail = `HTTP ${status}`;
  try {
    const fields = tokenErrorSchema.parse(JSON.parse(bodyText));
    detail = fields.error_description ? `${fields.error}: ${fields.error_description.split(/\r?\n/)[0].trim()}` : fields.error;
  } catch {
    // Not Entra's error format: the status says enough.
  }
  return new ProviderError(`${providerId}: Microsoft Entra ID refused the token request (${detail})`, {
    providerId,
    upstreamStatus: status,
    status: 502,
    errorClass: 'upstream',
    code: 'upstream_authentication_failed',
    // A wrong secret or tenant stays wrong; the endpoint's own outages pass.
    retryable: status >= 500 || status === 429,
  });
}
