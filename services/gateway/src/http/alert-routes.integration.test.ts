import pino from 'pino';
import type { EventPublisher } from '@switchyard/events';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import {
  configSchema,
  type AlertHistoryEntry,
  type AlertHistoryQuery,
  type AlertRuleStatus,
  type ObservabilityQueryService,
  type WorkspaceScope,
} from '@switchyard/shared';
import { keyPrincipal, InMemoryVerifier } from '../auth/__fixtures__/in-memory-verifiers';
import { startGatewayServer, type GatewayServer } from '../gateway-server';

/**
 * `/v1/alerts/rules` and `/v1/alerts/history` over a real socket: who may
 * read them, the caller's workspaces passed as the scope, the answers'
 * shape, and bad input answered in OpenAI's error shape.
 */

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const TEAM_A_KEY = 'sk-sy-team-a-0123456789abcdef';
const VIEWER_KEY = 'sk-sy-viewer-0123456789abcdef';
const CHAT_ONLY_KEY = 'sk-sy-chat-only-0123456789abcdef';

const RULE: AlertRuleStatus = {
  name: 'errors',
  kind: 'error_rate',
  threshold: 0.05,
  windowMs: 300_000,
  minRequests: 10,
  workspace: 'team-a',
  provider: '',
  model: '',
  channels: ['ops'],
  evaluationIntervalMs: 60_000,
  evaluatedAt: new Date('2026-11-26T10:00:00Z'),
  firing: [{ series: '', workspace: 'team-a', value: 0.25, since: new Date('2026-11-26T09:55:00Z') }],
};

const ENTRY: AlertHistoryEntry = {
  id: 'alert_1',
  rule: 'errors',
  kind: 'error_rate',
  series: '',
  workspace: 'team-a',
  state: 'firing',
  value: 0.25,
  threshold: 0.05,
  occurredAt: new Date('2026-11-26T09:55:00Z'),
  deliveries: { ops: { status: 'sent', attempts: 2 } },
};

/** Records the scope and query of each call; answers with fixed data. */
class RecordingAlerts implements ObservabilityQueryService {
  readonly ruleScopes: WorkspaceScope[] = [];
  readonly historyQueries: AlertHistoryQuery[] = [];
  listRequests = async () => ({ requests: [] });
  getRequest = async () => undefined;
  usage = async () => [];
  deleteUserData = async () => ({ requests: 0, usage: 0, costs: 0 });
  getTrace = async () => undefined;
  listTraces = async () => ({ traces: [] });
  async listAlertRules(scope: WorkspaceScope) {
    this.ruleScopes.push(scope);
    return [RULE];
  }
  async alertHistory(query: AlertHistoryQuery) {
    this.historyQueries.push(query);
    return [ENTRY];
  }
}

const noEvents: EventPublisher = { publish: () => undefined, close: async () => undefined };

describe('the alert routes', () => {
  const gateways: GatewayServer[] = [];
  let alerts: RecordingAlerts;

  async function start(observability: ObservabilityQueryService): Promise<string> {
    const config = configSchema.parse({
      server: { port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['*'] } },
    });
    const verifier = new InMemoryVerifier()
      .add(TEAM_A_KEY, keyPrincipal('team-a'))
      .add(VIEWER_KEY, keyPrincipal('team-b', { keyId: 'key_viewer', role: 'viewer', readableWorkspaces: ['team-b', 'team-c'] }))
      .add(CHAT_ONLY_KEY, keyPrincipal('team-a', { keyId: 'key_chat', scopes: { endpoints: ['chat.completions'] } }));
    const gateway = await startGatewayServer({
      config,
      router: new LocalRouterService(config),
      adapters: new LocalProviderAdapterService(config),
      events: noEvents,
      observability,
      logger: pino({ level: 'silent' }),
      adminToken: ADMIN_TOKEN,
      keyVerifier: verifier,
      tokenVerifier: verifier,
    });
    gateways.push(gateway);
    return gateway.url;
  }

  beforeEach(() => {
    alerts = new RecordingAlerts();
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close(100)));
  });

  const get = (url: string, credential?: string) => fetch(url, { headers: credential ? { authorization: `Bearer ${credential}` } : {} });

  it('lists the rules of the workspaces the caller may read, as the API shows them', async () => {
    const url = await start(alerts);
    const response = await get(`${url}/v1/alerts/rules`, TEAM_A_KEY);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      object: 'list',
      data: [
        {
          name: 'errors',
          object: 'alert_rule',
          kind: 'error_rate',
          threshold: 0.05,
          window_ms: 300_000,
          min_requests: 10,
          workspace: 'team-a',
          provider: null,
          model: null,
          channels: ['ops'],
          evaluation_interval_ms: 60_000,
          evaluated_at: '2026-11-26T10:00:00.000Z',
          state: 'firing',
          firing: [{ series: null, workspace: 'team-a', value: 0.25, since: '2026-11-26T09:55:00.000Z' }],
        },
      ],
    });
    expect((await get(`${url}/v1/alerts/rules`, VIEWER_KEY)).status).toBe(200);
    expect((await get(`${url}/v1/alerts/rules`, ADMIN_TOKEN)).status).toBe(200);
    expect(alerts.ruleScopes).toEqual([['team-a'], ['team-b', 'team-c'], 'all']);
  });

  it('reads the history within the caller scope, with its filters', async () => {
    const url = await start(alerts);
    const response = await get(`${url}/v1/alerts/history?from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z&rule=errors&limit=5`, TEAM_A_KEY);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      object: 'list',
      data: [
        {
          id: 'alert_1',
          object: 'alert_event',
          rule: 'errors',
          kind: 'error_rate',
          series: null,
          workspace: 'team-a',
          state: 'firing',
          value: 0.25,
          threshold: 0.05,
          occurred_at: '2026-11-26T09:55:00.000Z',
          deliveries: { ops: { status: 'sent', attempts: 2 } },
        },
      ],
    });
    expect(alerts.historyQueries).toEqual([
      { from: new Date('2026-11-26T00:00:00Z'), to: new Date('2026-11-27T00:00:00Z'), rule: 'errors', limit: 5, scope: ['team-a'] },
    ]);
    // Without `from`: the 24 hours before now; `to` stays open.
    await get(`${url}/v1/alerts/history`, VIEWER_KEY);
    const [, open] = alerts.historyQueries;
    expect(open).toMatchObject({ to: undefined, rule: undefined, limit: undefined, scope: ['team-b', 'team-c'] });
    expect(Date.now() - open.from!.getTime()).toBeGreaterThanOrEqual(86_400_000);
  });

  it('asks for a credential, and refuses a key not scoped to alerts.read', async () => {
    const url = await start(alerts);
    const anonymous = await get(`${url}/v1/alerts/rules`);
    expect(anonymous.status).toBe(401);
    const chatOnly = await get(`${url}/v1/alerts/history`, CHAT_ONLY_KEY);
    expect(chatOnly.status).toBe(403);
    expect(await chatOnly.json()).toMatchObject({ error: { code: 'endpoint_not_allowed' } });
    expect(alerts.ruleScopes).toEqual([]);
    expect(alerts.historyQueries).toEqual([]);
  });

  it.each([
    ['from=yesterday', 'from'],
    ['to=2026-11-26T00:00:00Z&from=2026-11-27T00:00:00Z', 'from'],
    ['from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['rule=', 'rule'],
    ['rule=a&rule=b', 'rule'],
  ])('answers %s with a 400 naming %s', async (query, param) => {
    const url = await start(alerts);
    const response = await get(`${url}/v1/alerts/history?${query}`, TEAM_A_KEY);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param } });
    expect(alerts.historyQueries).toEqual([]);
  });

  it('is a 404 where no alert store can be reached', async () => {
    const url = await start({
      listRequests: async () => ({ requests: [] }),
      getRequest: async () => undefined,
      usage: async () => [],
      deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
      getTrace: async () => undefined,
      listTraces: async () => ({ traces: [] }),
    });
    const response = await get(`${url}/v1/alerts/rules`, TEAM_A_KEY);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'alerts_unavailable' } });
  });
});
