import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { InProcessEventBus, type EventSink, type SwitchyardEvent } from '@switchyard/events';
import { startGatewayServer, type GatewayServer } from '@switchyard/gateway';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { configSchema, createLogger, type GovernanceGate, type ObservabilityQueryService } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import { MemoryRateLimiter } from '../rate-limits/memory-rate-limiter';
import { ConfigRateLimitPolicy } from '../rate-limits/rate-limit-policy';
import { RateLimitService } from '../rate-limits/rate-limit-service';
import { RedisRateLimiter } from '../rate-limits/redis-rate-limiter';
import { LimitsGovernanceGate } from './governance-gate';
import { GovernanceMetrics } from './governance-metrics';
import { openGovernanceGate } from './open-governance-gate';

/**
 * Rate limits and budgets through a real gateway over a mock upstream that
 * answers with OpenAI's recorded responses: refusals happen before any
 * upstream call, in OpenAI's error shape, and budgets count the costs the
 * gateway itself recorded.
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

/** USD per million tokens for the recorded model (gpt-4.1-nano-2025-04-14: 16 prompt, 363 completion tokens). */
const PRICE = { input: 100, output: 1000 };
const RECORDED_COST_USD = (16 * PRICE.input + 363 * PRICE.output) / 1e6;

let upstream: MockOpenAIUpstream;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  upstream.reset();
});
afterAll(() => upstream?.close());

function gatewayConfig(governance: unknown = {}) {
  return configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], prices: { 'gpt-4.1-nano*': PRICE } } },
    events: { lingerMs: 5 },
    governance,
  });
}

async function startGateway(config: ReturnType<typeof gatewayConfig>, governance: GovernanceGate | undefined, sinks: EventSink[] = []) {
  const events = new InProcessEventBus({ logger, lingerMs: config.events.lingerMs });
  for (const sink of sinks) events.subscribe(sink);
  const adapters = new LocalProviderAdapterService(config);
  const gateway = await startGatewayServer({
    config,
    router: new LocalRouterService(config),
    adapters,
    events,
    observability: noQueries,
    logger,
    governance,
  });
  closers.push(async () => {
    await gateway.close(100);
    await events.close();
    await adapters.close();
  });
  return { gateway, events };
}

function chat(gateway: GatewayServer, body: Record<string, unknown> = {}, workspace = 'team-a'): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchyard-workspace': workspace },
    body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a holiday.' }], ...body }),
  });
}

describe('a budget hard stop through the gateway', () => {
  it('refuses with 402 budget_exceeded once the cost events of real requests reach the limit, before any upstream call', async () => {
    // Three recorded responses cost 1.0938 USD: the third crosses the 1 USD limit, the fourth is refused.
    const config = gatewayConfig({ budgets: [{ scope: 'workspace', match: 'team-a', limitUsd: 1, period: 'month', timezone: 'Europe/Paris' }] });
    const governance = await openGovernanceGate(config.governance, { logger });
    if (!governance?.spendSink) throw new Error('a gate with budgets was expected');
    closers.push(() => governance.close());
    const costs: number[] = [];
    const costCollector: EventSink = {
      name: 'costs',
      writeBatch: async (batch: readonly SwitchyardEvent[]) => {
        for (const item of batch) if (item.kind === 'cost-recorded') costs.push(item.event.totalCostUsd);
      },
    };
    const { gateway, events } = await startGateway(config, governance.gate, [governance.spendSink, costCollector]);

    for (let index = 0; index < 3; index++) {
      const response = await chat(gateway);
      expect(response.status).toBe(200);
      await response.text();
      // Each cost reaches the budget through the bus, as it would between two requests of a client.
      await events.flush();
    }
    expect(costs).toHaveLength(3);
    for (const cost of costs) expect(cost).toBeCloseTo(RECORDED_COST_USD, 10);

    const refused = await chat(gateway);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'budget_exceeded', param: null });
    expect(body.error.message).toContain(`Budget exceeded for workspace team-a: $${(3 * RECORDED_COST_USD).toFixed(4)} spent of $1 this month`);
    expect(upstream.requests).toHaveLength(3);

    // Another workspace has no budget and is still served.
    const other = await chat(gateway, {}, 'team-b');
    expect(other.status).toBe(200);
    await other.text();
  });
});

describe('rate limits through the gateway', () => {
  it("answers OpenAI's headers, then 429 rate_limit_exceeded with Retry-After before any upstream call", async () => {
    const config = gatewayConfig({ rateLimits: [{ scope: 'workspace', requestsPerMinute: 2 }] });
    const governance = await openGovernanceGate(config.governance, { logger });
    closers.push(() => governance!.close());
    const { gateway } = await startGateway(config, governance!.gate);

    const first = await chat(gateway);
    expect(first.status).toBe(200);
    await first.text();
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$|^\d+ms$/);
    await (await chat(gateway)).text();

    const refused = await chat(gateway);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null });
    expect(body.error.message).toMatch(
      /^Rate limit reached for requests per minute \(RPM\) on workspace team-a: Limit 2, Requested 1\. Please try again in \d+s\.$/,
    );
    expect(upstream.requests).toHaveLength(2);
  });

  it('reserves max_tokens for the call and settles with the usage the provider reported', async () => {
    const limiter = new MemoryRateLimiter();
    const policy = new ConfigRateLimitPolicy(gatewayConfig({ rateLimits: [{ scope: 'workspace', tokensPerMinute: 10_000 }] }).governance.rateLimits);
    const gate = new LimitsGovernanceGate({
      rateLimits: new RateLimitService(policy, limiter),
      onStoreFailure: 'open',
      logger,
      metrics: new GovernanceMetrics(),
    });
    const { gateway } = await startGateway(gatewayConfig(), gate);
    const tokensLeft = () =>
      limiter.chargeNow([{ key: 'rule0:workspace:team-a:tokens', limit: 10_000, windowMs: 60_000, cost: 0 }]).states[0].remaining;

    const response = await chat(gateway, { max_tokens: 5000 });
    expect(response.status).toBe(200);
    // During the call: the prompt's estimate and all of max_tokens were reserved.
    expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(5000);
    await response.text();
    // After it: only what the provider reported (16 + 363) stays counted (refill only adds to it).
    await waitFor(tokensLeft, (left) => left >= 10_000 - 379, { timeoutMs: 5_000, what: 'the reservation to be settled' });
    expect(tokensLeft()).toBeLessThan(10_000);
  });

  it('gives the whole reservation back when the upstream fails', async () => {
    const limiter = new MemoryRateLimiter();
    const policy = new ConfigRateLimitPolicy(
      gatewayConfig({ rateLimits: [{ scope: 'workspace', tokensPerMinute: 10_000, tokenKind: 'output' }] }).governance.rateLimits,
    );
    const gate = new LimitsGovernanceGate({
      rateLimits: new RateLimitService(policy, limiter),
      onStoreFailure: 'open',
      logger,
      metrics: new GovernanceMetrics(),
    });
    const { gateway } = await startGateway(gatewayConfig(), gate);
    upstream.enqueue({
      kind: 'error',
      status: 400,
      body: { error: { message: 'Bad request', type: 'invalid_request_error', param: null, code: null } },
    });
    const response = await chat(gateway, { max_tokens: 9000 });
    expect(response.status).toBe(400);
    await response.text();
    const tokensLeft = () =>
      limiter.chargeNow([{ key: 'rule0:workspace:team-a:tokens', limit: 10_000, windowMs: 60_000, cost: 0 }]).states[0].remaining;
    await waitFor(tokensLeft, (left) => left === 10_000, { timeoutMs: 5_000, what: 'the reservation to be given back' });
  });
});

describe('a rate limit shared by two gateways through Redis', () => {
  beforeAll(requireRedis);

  it('holds under concurrent load across both (over-admission within 1 %)', async () => {
    const limit = 200;
    const config = gatewayConfig({ rateLimits: [{ scope: 'workspace', requestsPerMinute: limit }] });
    const prefix = `test:ratelimit:${randomUUID()}:`;
    const connections = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    closers.push(async () => {
      const keys = await connections[0].keys(`${prefix}*`);
      if (keys.length > 0) await connections[0].del(...keys);
      await Promise.all(connections.map((connection) => connection.quit()));
    });
    const gateways = await Promise.all(
      connections.map(async (connection) => {
        const policy = new ConfigRateLimitPolicy(config.governance.rateLimits);
        const rateLimits = new RateLimitService(policy, new RedisRateLimiter(connection, { keyPrefix: prefix }));
        return (
          await startGateway(config, new LimitsGovernanceGate({ rateLimits, onStoreFailure: 'closed', logger, metrics: new GovernanceMetrics() }))
        ).gateway;
      }),
    );
    const attemptsEach = 2 * limit;
    const inFlightEach = 20;
    const statuses = new Map<number, number>();
    const started = Date.now();
    await Promise.all(
      gateways.flatMap((gateway) =>
        Array.from({ length: inFlightEach }, async () => {
          for (let attempt = 0; attempt < attemptsEach / inFlightEach; attempt++) {
            const response = await chat(gateway);
            await response.arrayBuffer();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          }
        }),
      ),
    );
    const elapsedMs = Date.now() - started;
    const admitted = statuses.get(200) ?? 0;
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    expect(admitted + (statuses.get(429) ?? 0)).toBe(2 * attemptsEach);
    expect(upstream.requests).toHaveLength(admitted);
    // What refilled while the load ran (one request every 300 ms) may be admitted too, and no more than 1 % over that.
    const refilled = Math.ceil(elapsedMs / (60_000 / limit));
    expect(admitted).toBeGreaterThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(Math.floor((limit + refilled) * 1.01));
  });
});
