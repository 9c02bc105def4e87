import { configSchema, createLogger } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { startEmbedded, type EmbeddedGateway } from './embedded';

jest.setTimeout(120_000);

/**
 * Rate limits and budgets set through the admin API of a running
 * Switchyard (one process, as `switchyard start` wires it, with the
 * bootstrap admin token), enforced on the model requests that follow,
 * over a mock upstream answering with OpenAI's recorded response.
 */

const ADMIN_TOKEN = 'stored-limits-admin-token-' + 'x'.repeat(20);
/** USD per million tokens for the recorded model (gpt-4.1-nano-2025-04-14: 16 prompt, 363 completion tokens). */
const PRICE = { input: 100, output: 1000 };
const RECORDED_COST_USD = (16 * PRICE.input + 363 * PRICE.output) / 1e6;

let upstream: MockOpenAIUpstream;
let gateway: EmbeddedGateway;
const keys: Record<string, string> = {};

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function chat(workspace: string): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[workspace]}` },
    body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a holiday.' }] }),
  });
}

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], prices: { 'gpt-4.1-nano*': PRICE } } },
    events: { lingerMs: 5 },
    observability: { dataDirectory: 'memory://' },
  });
  gateway = await startEmbedded(config, createLogger('test', 'silent'), { adminToken: ADMIN_TOKEN });
  expect((await admin('POST', '/admin/v1/organizations', { id: 'acme' })).status).toBe(201);
  for (const workspace of ['team-a', 'team-b', 'team-c']) {
    expect((await admin('POST', '/admin/v1/workspaces', { id: workspace, organization: 'acme' })).status).toBe(201);
    const created = await admin('POST', '/admin/v1/keys', { workspace, name: 'caller' });
    expect(created.status).toBe(201);
    keys[workspace] = created.body.key;
  }
});

afterAll(async () => {
  await gateway?.close(100);
  await upstream?.close();
});

afterEach(() => upstream.reset());

it('enforces a rate limit created through the admin API on the next requests, and lifts it when deleted', async () => {
  const served = async (workspace: string) => {
    const response = await chat(workspace);
    await response.text();
    return response;
  };
  expect((await served('team-a')).headers.get('x-ratelimit-limit-requests')).toBeNull();

  const created = await admin('POST', '/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 2 });
  expect(created.status).toBe(201);
  const first = await served('team-a');
  expect([first.status, first.headers.get('x-ratelimit-limit-requests'), first.headers.get('x-ratelimit-remaining-requests')]).toEqual([
    200,
    '2',
    '1',
  ]);
  expect((await served('team-a')).status).toBe(200);
  const refused = await chat('team-a');
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await refused.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  expect(body.error.message).toMatch(/^Rate limit reached for requests per minute \(RPM\) on workspace team-a: Limit 2, Requested 1\./);
  // Another workspace is not counted.
  expect((await served('team-b')).status).toBe(200);
  expect(upstream.requests).toHaveLength(4);

  expect((await admin('DELETE', `/admin/v1/rate-limits/${created.body.id}`)).status).toBe(200);
  const lifted = await served('team-a');
  expect([lifted.status, lifted.headers.get('x-ratelimit-limit-requests')]).toEqual([200, null]);
});

it('hard-stops at the spend of the recorded costs with a budget created through the admin API', async () => {
  // Three recorded responses cost 1.0938 USD: the third crosses the 1 USD limit, the fourth is refused.
  const created = await admin('POST', '/admin/v1/budgets', { workspace: 'team-c', limit_usd: 1, period: 'month', timezone: 'Europe/Paris' });
  expect(created.status).toBe(201);
  for (let index = 0; index < 3; index++) {
    const response = await chat('team-c');
    expect(response.status).toBe(200);
    await response.text();
    // Each cost reaches the budget through the bus, as it would between two requests of a client.
    await gateway.flushEvents();
  }
  const refused = await chat('team-c');
  expect(refused.status).toBe(402);
  const body = (await refused.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ code: 'budget_exceeded' });
  expect(body.error.message).toContain(`Budget exceeded for workspace team-c: $${(3 * RECORDED_COST_USD).toFixed(4)} spent of $1 this month`);
  expect(upstream.requests).toHaveLength(3);

  expect((await admin('DELETE', `/admin/v1/budgets/${created.body.id}`)).status).toBe(200);
  const served = await chat('team-c');
  expect(served.status).toBe(200);
  await served.text();
});
