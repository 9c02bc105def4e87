import { randomBytes } from 'node:crypto';
import { InProcessEventBus } from '@switchyard/events';
import { startGatewayServer, type GatewayServer } from '@switchyard/gateway';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { configSchema, createLogger, type ObservabilityQueryService } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import { openGovernanceGate } from '../governance/open-governance-gate';
import { openTestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { RedisLimitChangeBus } from './limit-change-bus';
import { StoredLimitRules } from './stored-limit-rules';
import { StoredLimitStore } from './stored-limit-store';

jest.setTimeout(60_000);

/**
 * A rule stored by one gateway reaches another over Redis pub/sub, and
 * both count it in one Redis bucket: the limit holds across the two, and
 * is lifted on both when the rule is deleted.
 */

const logger = createLogger('test', 'silent');
const noQueries: ObservabilityQueryService = {
  listRequests: async () => ({ requests: [] }),
  getRequest: async () => undefined,
  usage: async () => [],
  deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
  getTrace: async () => undefined,
  listTraces: async () => ({ traces: [] }),
};

let upstream: MockOpenAIUpstream;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  await requireRedis();
  upstream = await startMockOpenAIUpstream();
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await upstream?.close();
});

async function startGateway(rules: StoredLimitRules): Promise<GatewayServer> {
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    events: { lingerMs: 5 },
    governance: { redisUrl: REDIS_URL },
  });
  const governance = await openGovernanceGate(config.governance, { logger, storedRules: rules });
  if (!governance) throw new Error('a gate was expected with stored rules');
  closers.push(() => governance.close());
  const events = new InProcessEventBus({ logger, lingerMs: 5 });
  const adapters = new LocalProviderAdapterService(config);
  const gateway = await startGatewayServer({
    config,
    router: new LocalRouterService(config),
    adapters,
    events,
    observability: noQueries,
    logger,
    governance: governance.gate,
  });
  closers.push(async () => {
    await gateway.close(100);
    await events.close();
    await adapters.close();
  });
  return gateway;
}

async function status(gateway: GatewayServer, workspace: string): Promise<number> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchyard-workspace': workspace },
    body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a holiday.' }] }),
  });
  await response.text();
  return response.status;
}

it('holds a stored rate limit across two gateways and lifts it on both when deleted', async () => {
  const database = await openTestGovernanceDatabase('postgres');
  closers.push(() => database.dispose());
  const channel = `test:limit-changes:${randomBytes(6).toString('hex')}`;
  const store = await StoredLimitStore.open(database.client);
  const [rulesA, rulesB] = [new StoredLimitRules(), new StoredLimitRules()];
  for (const rules of [rulesA, rulesB]) {
    // An hour between periodic reloads: only the Redis message can bring the change in time.
    await rules.attach(store, await RedisLimitChangeBus.connect({ url: REDIS_URL, channel, logger }), { reloadIntervalMs: 3_600_000 });
    closers.push(() => rules.close());
  }
  const [gatewayA, gatewayB] = [await startGateway(rulesA), await startGateway(rulesB)];
  // A workspace of its own on every run: the Redis buckets are named by the rule and the workspace.
  const workspace = `ws-${randomBytes(4).toString('hex')}`;
  expect(await status(gatewayB, workspace)).toBe(200);

  // What the admin API of gateway A does on POST /admin/v1/rate-limits.
  const rule = await store.createRateLimit({
    organization: 'acme',
    workspace,
    scope: 'workspace',
    subject: workspace,
    requestsPerMinute: 3,
    tokenKind: 'total',
    createdBy: 'test',
  });
  await rulesA.changed();
  await waitFor(
    () => rulesB.rateLimitsOf(workspace).length,
    (count) => count === 1,
    { timeoutMs: 5_000, what: 'gateway B to load the rule' },
  );

  expect([await status(gatewayA, workspace), await status(gatewayB, workspace), await status(gatewayA, workspace)]).toEqual([200, 200, 200]);
  expect([await status(gatewayB, workspace), await status(gatewayA, workspace)]).toEqual([429, 429]);
  expect(await status(gatewayB, 'another-workspace')).toBe(200);

  await store.deleteRateLimit(rule.id);
  await rulesA.changed();
  await waitFor(
    () => rulesB.rateLimitsOf(workspace).length,
    (count) => count === 0,
    { timeoutMs: 5_000, what: 'gateway B to drop the rule' },
  );
  expect([await status(gatewayA, workspace), await status(gatewayB, workspace)]).toEqual([200, 200]);
});
