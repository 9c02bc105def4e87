import type { UpstreamRequest } from '../http/upstream-client';
import { UpstreamClient } from '../http/upstream-client';
import { startReplayUpstream, type ReplayUpstream } from '../../../../test/support/replay-upstream';
import { AZURE_COGNITIVE_SERVICES_SCOPE, AzureEntraCredential } from './azure-entra-credential';

/** The client-credentials grant against a local token endpoint speaking Entra ID's format. */

const SECRET = 'entra-client-secret-value';
let tokenEndpoint: ReplayUpstream;
let http: UpstreamClient;

beforeAll(async () => {
  tokenEndpoint = await startReplayUpstream();
  http = new UpstreamClient();
});

afterAll(async () => {
  await http.close();
  await tokenEndpoint.close();
});

beforeEach(() => {
  tokenEndpoint.requests.length = 0;
  tokenEndpoint.setDefault(undefined);
});

/** A token answer as Entra ID sends it (`expires_in` in seconds). */
const tokenAnswer = (token: string, expiresIn = 3599) => ({
  body: JSON.stringify({ token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token }),
});

function credential(now: () => number): AzureEntraCredential {
  return new AzureEntraCredential({
    providerId: 'azure',
    tenantId: 'contoso-tenant',
    clientId: 'client-1',
    clientSecret: SECRET,
    authorityUrl: `${tokenEndpoint.origin}/`,
    http,
    now,
  });
}

const request: UpstreamRequest = {
  providerId: 'azure',
  method: 'POST',
  url: 'https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
  headers: { 'content-type': 'application/json' },
  body: '{}',
  signal: new AbortController().signal,
  timeoutMs: 1_000,
};

describe('AzureEntraCredential', () => {
  it('asks the tenant token endpoint with the client credentials, and adds the token as a bearer', async () => {
    tokenEndpoint.enqueue(tokenAnswer('token-1'));
    const authorized = await credential(() => 0).authorize(request);
    expect(authorized.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer token-1' });
    expect(authorized.body).toBe('{}');
    const [sent] = tokenEndpoint.requests;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/contoso-tenant/oauth2/v2.0/token');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent.body.toString('utf8')))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: SECRET,
      scope: AZURE_COGNITIVE_SERVICES_SCOPE,
    });
  });

  it('keeps the token until five minutes before it expires, then renews it', async () => {
    let now = 1_000_000;
    const subject = credential(() => now);
    tokenEndpoint.enqueue(tokenAnswer('token-1', 3600));
    tokenEndpoint.enqueue(tokenAnswer('token-2', 3600));
    expect((await subject.authorize(request)).headers.authorization).toBe('Bearer token-1');
    now += 54 * 60_000;
    expect((await subject.authorize(request)).headers.authorization).toBe('Bearer token-1');
    expect(tokenEndpoint.requests).toHaveLength(1);
    now += 60_001;
    expect((await subject.authorize(request)).headers.authorization).toBe('Bearer token-2');
    expect(tokenEndpoint.requests).toHaveLength(2);
  });

  it('shares one token request between requests that arrive together', async () => {
    tokenEndpoint.enqueue(tokenAnswer('token-1'));
    const subject = credential(() => 0);
    const authorized = await Promise.all([subject.authorize(request), subject.authorize(request), subject.authorize(request)]);
    expect(authorized.map((each) => each.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    expect(tokenEndpoint.requests).toHaveLength(1);
  });

  it("fails with Entra's error, never the secret, and asks again at the next request", async () => {
    tokenEndpoint.enqueue({
      status: 401,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description:
          'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1',
        error_codes: [7000215],
      }),
    });
    const subject = credential(() => 0);
    const failure = await subject.authorize(request).then(
      () => undefined,
      (error: unknown) => error as Error & { status: number; code: string; retryable: boolean },
    );
    expect(failure?.message).toBe(
      'azure: Microsoft Entra ID refused the token request (invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.)',
    );
    expect(failure?.message).not.toContain(SECRET);
    expect(failure).toMatchObject({ status: 502, code: 'upstream_authentication_failed', retryable: false });

    tokenEndpoint.enqueue(tokenAnswer('token-2'));
    expect((await subject.authorize(request)).headers.authorization).toBe('Bearer token-2');
  });
});
