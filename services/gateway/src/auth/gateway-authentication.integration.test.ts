import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { EventPublisher, SwitchyardEvent } from '@switchyard/events';
import type { eventsV1 } from '@switchyard/proto';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import {
  ConfigError,
  configSchema,
  type CallContext,
  type DeleteUserDataQuery,
  type ListRequestsQuery,
  type ObservabilityQueryService,
  type UsageQuery,
  type WorkspaceScope,
} from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { startGatewayServer, type GatewayServer, type GatewayServerOptions } from '../gateway-server';
import { FailingVerifier, InMemoryVerifier, keyPrincipal } from './__fixtures__/in-memory-verifiers';
import type { AccessDeniedEvent, UserDataDeletedEvent } from './gateway-audit-hooks';

/**
 * Authentication at the gateway's edge, over real sockets and a mock
 * upstream that speaks OpenAI's wire format: who may call which route, that
 * a refused request's body is never read, and that the principal — not the
 * client's headers — decides the workspace, the key and what may be read.
 */

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const TEAM_A_KEY = 'sk-sy-team-a-0123456789abcdef';
const TEAM_B_KEY = 'sk-sy-team-b-0123456789abcdef';
const SCOPED_KEY = 'sk-sy-scoped-0123456789abcdef';
const TEAM_A_ADMIN_KEY = 'sk-sy-admin-a-0123456789abcdef';
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
const DEADLINE_MS = 5_000;

/** Collects what the gateway publishes. */
class CollectingPublisher implements EventPublisher {
  readonly events: SwitchyardEvent[] = [];
  publish(event: SwitchyardEvent): void {
    this.events.push(event);
  }
  async close(): Promise<void> {}
  async completed(requestId: string): Promise<eventsV1.RequestCompleted> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      for (const { kind, event } of this.events) if (kind === 'request-completed' && event.requestId === requestId) return event;
      if (Date.now() > deadline) throw new Error(`no record of ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Records what the query routes ask for. */
class RecordingQueries implements ObservabilityQueryService {
  readonly lists: ListRequestsQuery[] = [];
  readonly usages: UsageQuery[] = [];
  readonly gets: { id: string; scope?: WorkspaceScope }[] = [];
  readonly deletions: DeleteUserDataQuery[] = [];
  async listRequests(query: ListRequestsQuery) {
    this.lists.push(query);
    return { requests: [] };
  }
  async getRequest(id: string, _context: CallContext, scope?: WorkspaceScope) {
    this.gets.push({ id, scope });
    return undefined;
  }
  async usage(query: UsageQuery) {
    this.usages.push(query);
    return [];
  }
  async deleteUserData(query: DeleteUserDataQuery) {
    this.deletions.push(query);
    return { requests: 2 };
  }
  async getTrace() {
    return undefined;
  }
  async listTraces() {
    return { traces: [] };
  }
}

/** Every log line, to check that no credential is ever written. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('authentication at the gateway edge', () => {
  let upstream: MockOpenAIUpstream;
  let adapters: LocalProviderAdapterService;
  const gateways: GatewayServer[] = [];
  const sockets: Socket[] = [];
  let verifier: InMemoryVerifier;
  let events: CollectingPublisher;
  let queries: RecordingQueries;
  let logs: LogCapture;
  let denied: AccessDeniedEvent[];
  let deletedEvents: UserDataDeletedEvent[];

  const config = (overrides: Record<string, unknown> = {}) =>
    configSchema.parse({
      server: { port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
      ...overrides,
    });

  async function start(options: Partial<GatewayServerOptions> = {}): Promise<GatewayServer> {
    const settings = options.config ?? config();
    const gateway = await startGatewayServer({
      config: settings,
      router: new LocalRouterService(settings),
      adapters,
      events,
      observability: queries,
      logger: pino({ level: 'debug' }, logs),
      adminToken: ADMIN_TOKEN,
      keyVerifier: verifier,
      tokenVerifier: verifier,
      audit: { accessDenied: (event) => denied.push(event), userDataDeleted: (event) => deletedEvents.push(event) },
      ...options,
    });
    gateways.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    adapters = new LocalProviderAdapterService(
      configSchema.parse({ providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } } }),
    );
  });

  beforeEach(() => {
    verifier = new InMemoryVerifier()
      .add(TEAM_A_KEY, keyPrincipal('team-a'))
      .add(TEAM_B_KEY, keyPrincipal('team-b'))
      .add(
        SCOPED_KEY,
        keyPrincipal('team-a', { keyId: 'key_scoped', scopes: { models: ['gpt-4o-mini', 'text-embedding-*'], endpoints: ['chat.completions'] } }),
      )
      .add(TEAM_A_ADMIN_KEY, keyPrincipal('team-a', { keyId: 'key_admin_a', role: 'admin' }))
      .add(JWT, keyPrincipal('team-b', { kind: 'jwt', keyId: '', subject: 'alice', role: 'viewer' }));
    events = new CollectingPublisher();
    queries = new RecordingQueries();
    logs = new LogCapture();
    denied = [];
    deletedEvents = [];
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close(100)));
    upstream.reset();
  });

  afterAll(async () => {
    await adapters?.close();
    await upstream?.close();
  });

  const chatBody = (model = 'gpt-4o-mini') => JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello' }] });

  function chat(gateway: GatewayServer, headers: Record<string, string>, model?: string): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: chatBody(model),
    });
  }

  async function expectError(response: Response, status: number, code: string, param: string | null = null): Promise<void> {
    const body = await response.json();
    expect({ status: response.status, body }).toEqual({
      status,
      body: { error: { message: expect.any(String), type: 'invalid_request_error', param, code } },
    });
  }

  /**
   * Sends a request's headers, announcing a body that never comes, and
   * resolves with what the gateway answers: it can only answer at all if it
   * decided without reading the body.
   */
  function headersOnly(gateway: GatewayServer, method: string, path: string, headers: Record<string, string> = {}): Promise<string> {
    const { port } = gateway;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
      const lines = Object.entries({ host: 'gateway', 'content-type': 'application/json', 'content-length': '1000', ...headers }).map(
        ([name, value]) => `${name}: ${value}`,
      );
      socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    });
  }

  it('answers the public probes and metrics without a credential, and nothing else', async () => {
    const gateway = await start();
    expect(gateway.authenticationRequired).toBe(true);
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${gateway.url}${path}`)).status).toBe(200);
    for (const path of ['/v1/models', '/v1/requests', '/v1/usage', '/v1/requests/abc', '/no-such-route']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="switchyard"');
      await expectError(response, 401, 'invalid_api_key');
    }
    expect(queries.lists).toHaveLength(0);
  });

  it('asks for a credential on /metrics when auth.publicMetrics is false', async () => {
    const gateway = await start({ config: config({ auth: { publicMetrics: false } }) });
    await expectError(await fetch(`${gateway.url}/metrics`), 401, 'invalid_api_key');
    const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('switchyard_http');
  });

  it('refuses a model route without a credential before reading its body, and never calls upstream', async () => {
    const gateway = await start();
    const answer = await headersOnly(gateway, 'POST', '/v1/chat/completions');
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toMatch(/\r\nwww-authenticate: Bearer realm="switchyard"\r\n/i);
    expect(answer).toContain('"code":"invalid_api_key"');
    const embeddings = await headersOnly(gateway, 'POST', '/v1/embeddings', { 'x-api-key': 'sk-sy-unknown-key-000000000000' });
    expect(embeddings).toMatch(/^HTTP\/1\.1 401 /);
    expect(upstream.requests).toHaveLength(0);
    expect(events.events).toHaveLength(0);
  });

  it('refuses an express route without a credential before reading its body', async () => {
    const gateway = await start();
    const answer = await headersOnly(gateway, 'POST', '/v1/requests', { authorization: 'Bearer not-a-key' });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('"code":"invalid_api_key"');
    // Authenticated, the same unknown route is a 404: a caller without a credential learns nothing of the routes.
    const known = await fetch(`${gateway.url}/no-such-route`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await expect(known.json()).resolves.toMatchObject({ error: { code: 'unknown_url' } });
  });

  it('refuses malformed and unknown credentials without echoing or logging them', async () => {
    const gateway = await start();
    const attempts: Record<string, string>[] = [
      { authorization: 'Basic dXNlcjpzZWNyZXQtcGFzc3dvcmQ=' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer sk-sy-revoked-secret-material-1' },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.' },
      { 'x-api-key': 'sk-sy-other-secret-material-2' },
      { 'x-api-key': `${'k'.repeat(9_000)}` },
    ];
    for (const headers of attempts) {
      const response = await chat(gateway, headers);
      const text = await response.text();
      expect(response.status).toBe(401);
      expect(JSON.parse(text).error.code).toBe('invalid_api_key');
      for (const value of Object.values(headers)) expect(text).not.toContain(value.replace(/^(Basic|Bearer) ?/, '') || '\u0000');
    }
    await gateway.close(100);
    expect(logs.text).toContain('"code":"invalid_api_key"');
    for (const secret of ['secret-material-1', 'secret-material-2', 'dXNlcjpzZWNyZXQ', ADMIN_TOKEN]) expect(logs.text).not.toContain(secret);
    expect(upstream.requests).toHaveLength(0);
    expect(denied).toHaveLength(attempts.length);
    expect(denied[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status: 401, code: 'invalid_api_key', ip: '127.0.0.1' });
    expect(denied[0].principal).toBeUndefined();
  });

  it('serves the admin token as Bearer or x-api-key, acting for any workspace', async () => {
    const gateway = await start();
    const bearer = await chat(gateway, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'x-request-id': 'admin-bearer',
      'x-switchyard-workspace': 'team-z',
    });
    expect(bearer.status).toBe(200);
    const viaApiKey = await fetch(`${gateway.url}/v1/models`, { headers: { 'x-api-key': ADMIN_TOKEN } });
    expect(viaApiKey.status).toBe(200);
    expect(await events.completed('admin-bearer')).toMatchObject({ workspace: 'team-z', keyId: '' });
  });

  it('records the key and its workspace on every event, when the client names no workspace', async () => {
    const gateway = await start();
    expect((await chat(gateway, { authorization: `Bearer ${TEAM_A_KEY}`, 'x-request-id': 'by-key' })).status).toBe(200);
    expect(await events.completed('by-key')).toMatchObject({ workspace: 'team-a', keyId: 'key_team-a' });
    // Anthropic's clients send x-api-key.
    expect((await chat(gateway, { 'x-api-key': TEAM_B_KEY, 'x-request-id': 'by-x-api-key' })).status).toBe(200);
    expect(await events.completed('by-x-api-key')).toMatchObject({ workspace: 'team-b', keyId: 'key_team-b' });
    // Refused for a malformed header, a request is still recorded under its key and workspace.
    const malformed = await chat(gateway, {
      authorization: `Bearer ${TEAM_A_KEY}`,
      'x-request-id': 'bad-metadata',
      'x-switchyard-metadata': 'not json',
    });
    expect(malformed.status).toBe(400);
    expect(await events.completed('bad-metadata')).toMatchObject({ workspace: 'team-a', keyId: 'key_team-a', httpStatus: 400 });
    // Naming its own workspace is allowed.
    const own = await chat(gateway, { authorization: `Bearer ${TEAM_A_KEY}`, 'x-switchyard-workspace': 'team-a', 'x-request-id': 'own' });
    expect(own.status).toBe(200);
  });

  it('refuses a workspace header the key may not act for, before the body, naming the header', async () => {
    const gateway = await start();
    await expectError(
      await chat(gateway, { authorization: `Bearer ${TEAM_A_KEY}`, 'x-switchyard-workspace': 'team-b' }),
      403,
      'permission_denied',
      'x-switchyard-workspace',
    );
    const answer = await headersOnly(gateway, 'POST', '/v1/chat/completions', {
      authorization: `Bearer ${TEAM_A_KEY}`,
      'x-switchyard-workspace': 'team-b',
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(upstream.requests).toHaveLength(0);
    expect(denied.at(-1)).toMatchObject({ status: 403, code: 'permission_denied', principal: { keyId: 'key_team-a' } });
  });

  it("refuses a model outside the key's scopes before any upstream call, and an endpoint outside them before the body", async () => {
    const gateway = await start();
    await expectError(
      await chat(gateway, { authorization: `Bearer ${SCOPED_KEY}`, 'x-request-id': 'not-allowed' }, 'gpt-4o'),
      403,
      'model_not_allowed',
      'model',
    );
    expect(upstream.requests).toHaveLength(0);
    expect(await events.completed('not-allowed')).toMatchObject({ httpStatus: 403, keyId: 'key_scoped' });
    expect((await chat(gateway, { authorization: `Bearer ${SCOPED_KEY}` }, 'gpt-4o-mini')).status).toBe(200);
    const embeddings = await headersOnly(gateway, 'POST', '/v1/embeddings', { authorization: `Bearer ${SCOPED_KEY}` });
    expect(embeddings).toMatch(/^HTTP\/1\.1 403 /);
    expect(embeddings).toContain('"code":"endpoint_not_allowed"');
    await expectError(await fetch(`${gateway.url}/v1/requests`, { headers: { authorization: `Bearer ${SCOPED_KEY}` } }), 403, 'endpoint_not_allowed');
  });

  it('hands a JWT to the token verifier, and a failing verifier is a 503 that does not leak the credential', async () => {
    const gateway = await start();
    const models = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${JWT}` } });
    expect(models.status).toBe(200);
    const failing = await start({ keyVerifier: new FailingVerifier() });
    const response = await chat(failing, { authorization: 'Bearer sk-sy-looked-up-while-down-1234' });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text).error.code).toBe('authentication_unavailable');
    expect(text).not.toContain('looked-up-while-down');
    await failing.close(100);
    expect(logs.text).not.toContain('looked-up-while-down');
  });

  it("passes the caller's readable workspaces to every query and refuses a workspace filter outside them", async () => {
    const gateway = await start();
    const asTeamA = { authorization: `Bearer ${TEAM_A_KEY}` };
    expect((await fetch(`${gateway.url}/v1/requests`, { headers: asTeamA })).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/usage?group_by=key`, { headers: asTeamA })).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/requests/shared-id`, { headers: asTeamA })).status).toBe(404);
    expect(queries.lists[0].scope).toEqual(['team-a']);
    expect(queries.usages[0].scope).toEqual(['team-a']);
    expect(queries.gets[0]).toEqual({ id: 'shared-id', scope: ['team-a'] });
    await expectError(await fetch(`${gateway.url}/v1/usage?workspace=team-b`, { headers: asTeamA }), 403, 'permission_denied', 'workspace');
    await expectError(await fetch(`${gateway.url}/v1/requests?workspace=team-b`, { headers: asTeamA }), 403, 'permission_denied', 'workspace');
    expect((await fetch(`${gateway.url}/v1/usage?workspace=team-a`, { headers: asTeamA })).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect(queries.usages.at(-1)!.scope).toBe('all');
  });

  it('defaults and bounds the time window of the query API', async () => {
    const gateway = await start({ config: config({ observability: { queries: { defaultUsageWindowHours: 6, maxWindowDays: 7 } } }) });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    await fetch(`${gateway.url}/v1/usage?to=2026-11-26T12:00:00Z`, { headers });
    expect(queries.usages[0].filter).toMatchObject({ from: new Date('2026-11-26T06:00:00Z'), to: new Date('2026-11-26T12:00:00Z') });
    await fetch(`${gateway.url}/v1/requests?to=2026-11-26T12:00:00Z`, { headers });
    expect(queries.lists[0].filter).toMatchObject({ from: new Date('2026-11-19T12:00:00Z') });
    await expectError(
      await fetch(`${gateway.url}/v1/usage?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`, { headers }),
      400,
      'window_too_wide',
      'from',
    );
    await expectError(await fetch(`${gateway.url}/v1/requests?from=2020-01-01T00:00:00Z`, { headers }), 400, 'window_too_wide', 'from');
    expect(queries.usages).toHaveLength(1);
  });

  it("deletes an end user's data for an owner or admin only, within its workspaces, and tells the audit hook", async () => {
    const gateway = await start();
    await expectError(
      await fetch(`${gateway.url}/v1/users/alice/data`, { method: 'DELETE', headers: { authorization: `Bearer ${TEAM_A_KEY}` } }),
      403,
      'permission_denied',
    );
    await expectError(
      await fetch(`${gateway.url}/v1/users/alice/data?workspace=team-b`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TEAM_A_ADMIN_KEY}` },
      }),
      403,
      'permission_denied',
      'workspace',
    );
    expect(queries.deletions).toHaveLength(0);
    const response = await fetch(`${gateway.url}/v1/users/alice%40example.com/data`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TEAM_A_ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      object: 'user_data.deleted',
      user: 'alice@example.com',
      workspaces: ['team-a'],
      deleted: { requests: 2 },
    });
    expect(queries.deletions).toEqual([{ user: 'alice@example.com', scope: ['team-a'] }]);
    expect(deletedEvents).toEqual([
      expect.objectContaining({ user: 'alice@example.com', scope: ['team-a'], principal: expect.objectContaining({ keyId: 'key_admin_a' }) }),
    ]);
  });
});

describe('without authentication', () => {
  let upstream: MockOpenAIUpstream;
  let adapters: LocalProviderAdapterService;
  const gateways: GatewayServer[] = [];

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    adapters = new LocalProviderAdapterService(
      configSchema.parse({ providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } } }),
    );
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close(100)));
  });

  afterAll(async () => {
    await adapters?.close();
    await upstream?.close();
  });

  async function start(server: Record<string, unknown>, logs = new LogCapture(), host?: string): Promise<GatewayServer> {
    const settings = configSchema.parse({
      server: { port: 0, ...server },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    });
    const gateway = await startGatewayServer({
      config: settings,
      router: new LocalRouterService(settings),
      adapters,
      events: new CollectingPublisher(),
      observability: new RecordingQueries(),
      logger: pino({ level: 'info' }, logs),
      host,
    });
    gateways.push(gateway);
    return gateway;
  }

  it('listens on loopback only, says so, and serves anonymous requests whatever key a client sends', async () => {
    const logs = new LogCapture();
    const gateway = await start({}, logs);
    expect(gateway.url).toBe(`http://127.0.0.1:${gateway.port}`);
    expect(gateway.authenticationRequired).toBe(false);
    expect(logs.text).toContain('accepting unauthenticated requests from this machine only');
    // OpenAI's SDKs always send a key; without authentication it is ignored.
    const response = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: 'Bearer unused' } });
    expect(response.status).toBe(200);
  });

  it('refuses another address unless told, then warns at start and reports the real bound address', async () => {
    const error = await start({}, new LogCapture(), '0.0.0.0').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/server\.allowUnauthenticated: must be true/);
    const logs = new LogCapture();
    const gateway = await start({ host: '0.0.0.0', allowUnauthenticated: true }, logs);
    expect(gateway.url).toBe(`http://0.0.0.0:${gateway.port}`);
    expect(logs.text).toMatch(/"level":40.*accepting unauthenticated requests on 0\.0\.0\.0/);
    expect((await fetch(`http://127.0.0.1:${gateway.port}/healthz`)).status).toBe(200);
  });
});
