import type { UpstreamRequest } from '../http/upstream-client';

/**
 * How a provider proves who is calling: a fixed header, a token that is
 * refreshed before it expires (Entra ID, Google service accounts), or a
 * signature over the whole request (AWS SigV4). Applied to each request just
 * before it is sent, after its body is final.
 */
export interface CredentialSource {
  /** Returns the request with its credential added; never logs the credential. */
  authorize(request: UpstreamRequest): Promise<UpstreamRequest>;
}

/** A credential that is one header with a fixed value (`Authorization: Bearer …`, `x-api-key`, `api-key`). */
export class StaticHeaderCredential implements CredentialSource {
  constructor(
    private readonly header: string,
    private readonly value: string,
  ) {}

  authorize(request: UpstreamRequest): Promise<UpstreamRequest> {
    return Promise.resolve({ ...request, headers: { ...request.headers, [this.header]: this.value } });
  }
}
