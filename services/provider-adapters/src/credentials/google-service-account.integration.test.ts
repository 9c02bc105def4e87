import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify, type JWTPayload } from 'jose';
import { ConfigError, ProviderError } from '@switchyard/shared';
import { UpstreamClient, type UpstreamRequest } from '../http/upstream-client';
import { GoogleServiceAccountCredential, readServiceAccountKeyFile, REFRESH_MARGIN_SECONDS, type ServiceAccountKey } from './google-service-account';

const CLIENT_EMAIL = 'gateway@test-project.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * A token endpoint on loopback that does what Google's does: it verifies the
 * assertion's RS256 signature with the account's public key, its issuer and
 * audience, and answers an access token, or an OAuth error.
 */
interface TokenEndpoint {
  url: string;
  /** The verified claims of each exchange. */
  exchanges: JWTPayload[];
  /** The next answers' status (200 issues tokens). */
  status: number;
  /** Holds each answer until released, to see concurrent callers wait on one exchange. */
  hold?: Promise<void>;
  close(): Promise<void>;
}

async function startTokenEndpoint(): Promise<TokenEndpoint> {
  const endpoint: TokenEndpoint = { url: '', exchanges: [], status: 200, close: () => Promise.resolve() };
  const answer = async (body: string): Promise<{ status: number; body: string }> => {
    const form = new URLSearchParams(body);
    await endpoint.hold;
    try {
      if (endpoint.status !== 200) throw new Error('refused');
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new Error('grant type');
      const { payload } = await jwtVerify(form.get('assertion') ?? '', publicKey, {
        issuer: CLIENT_EMAIL,
        audience: endpoint.url,
        algorithms: ['RS256'],
        // The tests move their own clock; the claims are checked against it below.
        currentDate: new Date(0),
        clockTolerance: Number.MAX_SAFE_INTEGER,
      });
      endpoint.exchanges.push(payload);
      return {
        status: 200,
        body: JSON.stringify({ access_token: `ya29.token-${endpoint.exchanges.length}`, expires_in: 3600, token_type: 'Bearer' }),
      };
    } catch {
      return {
        status: endpoint.status === 200 ? 400 : endpoint.status,
        body: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
      };
    }
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void answer(Buffer.concat(chunks).toString('utf8')).then(({ status, body }) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}

const outgoing: UpstreamRequest = {
  providerId: 'vertex',
  method: 'POST',
  url: 'https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/publishers/google/models/m:generateContent',
  headers: { 'content-type': 'application/json' },
  body: '{}',
  signal: new AbortController().signal,
  timeoutMs: 5_000,
};

describe('GoogleServiceAccountCredential against a token endpoint', () => {
  let endpoint: TokenEndpoint;
  let http: UpstreamClient;
  let clock: number;
  let key: ServiceAccountKey;

  beforeEach(async () => {
    endpoint = await startTokenEndpoint();
    http = new UpstreamClient();
    clock = 1_700_000_000;
    key = { clientEmail: CLIENT_EMAIL, privateKey: PRIVATE_KEY_PEM, privateKeyId: 'key-1', tokenUri: endpoint.url };
  });

  afterEach(async () => {
    await http.close();
    await endpoint.close();
  });

  const credential = () => new GoogleServiceAccountCredential('vertex', key, http, { now: () => clock });

  it('exchanges a signed JWT for a token and sends it as a bearer token', async () => {
    const authorized = await credential().authorize(outgoing);
    expect(authorized.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer ya29.token-1' });
    expect(endpoint.exchanges).toEqual([
      { iss: CLIENT_EMAIL, aud: endpoint.url, scope: 'https://www.googleapis.com/auth/cloud-platform', iat: clock, exp: clock + 3600 },
    ]);
  });

  it('reuses the token until the refresh margin, then refreshes it before it expires', async () => {
    const source = credential();
    expect((await source.authorize(outgoing)).headers.authorization).toBe('Bearer ya29.token-1');
    clock += 3600 - REFRESH_MARGIN_SECONDS - 1;
    expect((await source.authorize(outgoing)).headers.authorization).toBe('Bearer ya29.token-1');
    expect(endpoint.exchanges).toHaveLength(1);
    clock += 1;
    expect((await source.authorize(outgoing)).headers.authorization).toBe('Bearer ya29.token-2');
    expect(endpoint.exchanges).toHaveLength(2);
    expect(endpoint.exchanges[1].iat).toBe(clock);
  });

  it('shares one exchange among concurrent requests', async () => {
    let release!: () => void;
    endpoint.hold = new Promise<void>((resolve) => (release = resolve));
    const source = credential();
    const waiting = Promise.all([source.authorize(outgoing), source.authorize(outgoing), source.authorize(outgoing)]);
    release();
    const authorized = await waiting;
    expect(authorized.map((request) => request.headers.authorization)).toEqual(['Bearer ya29.token-1', 'Bearer ya29.token-1', 'Bearer ya29.token-1']);
    expect(endpoint.exchanges).toHaveLength(1);
  });

  it("fails with Google's OAuth error as a retryable 502 that quotes no key, and tries again on the next request", async () => {
    key = { ...key, privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    const source = credential();
    const failure = await source.authorize(outgoing).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    const error = failure as ProviderError;
    expect(error.message).toBe('vertex: the Google token endpoint answered 400: invalid_grant: Invalid JWT Signature.');
    expect(error).toMatchObject({ status: 502, retryable: true, code: 'upstream_auth_failed' });
    expect(error.message).not.toContain('PRIVATE KEY');
    await expect(source.authorize(outgoing)).rejects.toThrow('invalid_grant');
    expect(endpoint.exchanges).toHaveLength(0);
  });
});

describe('readServiceAccountKeyFile', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'switchyard-sa-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const write = (name: string, content: string) => {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads the fields of a key file, with Google token URL by default', () => {
    const path = write(
      'key.json',
      JSON.stringify({ type: 'service_account', client_email: CLIENT_EMAIL, private_key: PRIVATE_KEY_PEM, private_key_id: 'k' }),
    );
    expect(readServiceAccountKeyFile(path, 'providers.vertex.serviceAccountKeyFile')).toEqual({
      clientEmail: CLIENT_EMAIL,
      privateKey: PRIVATE_KEY_PEM,
      privateKeyId: 'k',
      tokenUri: 'https://oauth2.googleapis.com/token',
    });
  });

  it.each([
    ['missing.json', undefined, 'cannot be used: ENOENT'],
    ['text.json', 'not json', 'cannot be used: it is not JSON'],
    ['user.json', JSON.stringify({ type: 'authorized_user', private_key: PRIVATE_KEY_PEM }), 'is not a service-account key file'],
    ['no-email.json', JSON.stringify({ type: 'service_account', private_key: PRIVATE_KEY_PEM }), 'has no "client_email"'],
  ])('rejects %s with a config error naming the setting, not the key', (name, content, reason) => {
    const path = content === undefined ? join(directory, name) : write(name, content);
    let failure: unknown;
    try {
      readServiceAccountKeyFile(path, 'providers.vertex.serviceAccountKeyFile');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toContain('providers.vertex.serviceAccountKeyFile');
    expect((failure as Error).message).toContain(reason);
    expect((failure as Error).message).not.toContain('PRIVATE KEY');
  });
});
