import { configSchema, createLogger } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { waitFor } from '../../../../test/support/wait-for';
import { startEmbedded, type EmbeddedGateway } from './embedded';

jest.setTimeout(120_000);

/**
 * A model A/B test on a running Switchyard (one process, as `switchyard
 * start` wires it): created through the admin API, the gateway sends each
 * user's chat requests to its arm's model upstream (a mock answering with
 * OpenAI's recorded response), records the arm on every request, the
 * results count them per arm, and stopping sends everyone to the winner.
 */

const ADMIN_TOKEN = 'experiments-admin-token-' + 'x'.repeat(20);

let upstream: MockOpenAIUpstream;
let gateway: EmbeddedGateway;
let key: string;
/** A key that may use only gpt-4.1-nano. */
let nanoOnlyKey: string;
let nanoOnlyKeyId: string;

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function chat(user: string, model = 'gpt-4.1-nano', credential = key): Promise<{ status: number; requestId: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ model, user, messages: [{ role: 'user', content: 'Invent a holiday.' }] }),
  });
  await response.text();
  return { status: response.status, requestId: response.headers.get('x-request-id') ?? '' };
}

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    events: { lingerMs: 5 },
    observability: { dataDirectory: 'memory://' },
  });
  gateway = await startEmbedded(config, createLogger('test', 'silent'), { adminToken: ADMIN_TOKEN });
  expect((await admin('POST', '/admin/v1/organizations', { id: 'acme' })).status).toBe(201);
  expect((await admin('POST', '/admin/v1/workspaces', { id: 'search', organization: 'acme' })).status).toBe(201);
  const created = await admin('POST', '/admin/v1/keys', { workspace: 'search', name: 'caller' });
  expect(created.status).toBe(201);
  key = created.body.key;
  const scoped = await admin('POST', '/admin/v1/keys', { workspace: 'search', name: 'nano-only', scopes: { models: ['gpt-4.1-nano'] } });
  expect(scoped.status).toBe(201);
  nanoOnlyKey = scoped.body.key;
  nanoOnlyKeyId = scoped.body.id;
});

afterAll(async () => {
  await gateway?.close(100);
  await upstream?.close();
});

it('splits users between two models, keeps each on one, records the arm, and moves everyone to the winner when stopped', async () => {
  const created = await admin('POST', '/admin/v1/workspaces/search/experiments', {
    name: 'nano-or-mini',
    target: { model: 'gpt-4.1-nano' },
    arms: [
      { name: 'nano', model: 'gpt-4.1-nano', weight: 1 },
      { name: 'mini', model: 'gpt-4.1-mini', weight: 1 },
    ],
    assignment: 'sticky_user',
    metric: { kind: 'error_rate' },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;

  const users = Array.from({ length: 16 }, (_, index) => `user-${index}`);
  const modelsOf = new Map<string, Set<string>>();
  for (let round = 0; round < 3; round += 1) {
    for (const user of users) {
      upstream.reset();
      expect((await chat(user)).status).toBe(200);
      const sent = upstream.requests[0].body.model as string;
      modelsOf.set(user, (modelsOf.get(user) ?? new Set()).add(sent));
    }
  }
  // Each user stayed on one model; both arms got users.
  expect([...modelsOf.values()].every((models) => models.size === 1)).toBe(true);
  const models = new Set([...modelsOf.values()].map((each) => [...each][0]));
  expect(models).toEqual(new Set(['gpt-4.1-nano', 'gpt-4.1-mini']));
  // A key that may not use the other arm's model keeps the model it asked for, outside the test.
  for (const user of users) {
    upstream.reset();
    expect((await chat(user, 'gpt-4.1-nano', nanoOnlyKey)).status).toBe(200);
    expect(upstream.requests[0].body.model).toBe('gpt-4.1-nano');
  }
  // A request for another model is not in the test.
  upstream.reset();
  const outside = await chat('user-0', 'gpt-4o-mini');
  expect(upstream.requests[0].body.model).toBe('gpt-4o-mini');

  await gateway.flushEvents();
  const recorded = await fetch(`${gateway.url}/v1/requests?limit=100`, { headers: { authorization: `Bearer ${key}` } }).then(
    (response) => response.json() as Promise<any>,
  );
  // The scoped key's requests are in the test only when their arm is the model they asked for.
  const scopedRecords = recorded.data.filter((record: any) => record.key_id === nanoOnlyKeyId);
  expect(scopedRecords).toHaveLength(16);
  expect(scopedRecords.every((record: any) => record.experiment === null || record.experiment.arm === 'nano')).toBe(true);
  expect(scopedRecords.some((record: any) => record.experiment === null)).toBe(true);
  const inTest = recorded.data.filter((record: any) => record.experiment !== null && record.key_id !== nanoOnlyKeyId);
  expect(inTest).toHaveLength(48);
  for (const record of inTest) {
    expect(record.experiment.id).toBe(id);
    expect(record.requested_model).toBe('gpt-4.1-nano');
    const sent = [...modelsOf.get(record.user)!][0];
    expect(record.experiment.arm).toBe(sent === 'gpt-4.1-mini' ? 'mini' : 'nano');
  }
  expect(recorded.data.find((record: any) => record.id === outside.requestId).experiment).toBeNull();

  const results = await admin('GET', `/admin/v1/workspaces/search/experiments/${id}/results`);
  expect(results.status).toBe(200);
  const counted = Object.fromEntries(results.body.arms.map((arm: any) => [arm.name, arm.requests]));
  const expected = { nano: 0, mini: 0 };
  for (const record of [...inTest, ...scopedRecords.filter((each: any) => each.experiment !== null)])
    expected[record.experiment.arm as 'nano' | 'mini'] += 1;
  expect(counted).toEqual(expected);
  expect(results.body.test).toMatchObject({ method: 'mSPRT', winner: null });

  expect((await admin('POST', `/admin/v1/workspaces/search/experiments/${id}/stop`, { winner: 'mini' })).body).toMatchObject({
    status: 'stopped',
    winner: 'mini',
  });
  await waitFor(
    async () => {
      upstream.reset();
      await chat(users.find((user) => modelsOf.get(user)!.has('gpt-4.1-nano'))!);
      return upstream.requests[0].body.model as string;
    },
    (sent) => sent === 'gpt-4.1-mini',
    { timeoutMs: 10_000, what: 'a nano user to be sent to the winner' },
  );
  for (const user of users) {
    upstream.reset();
    await chat(user);
    expect(upstream.requests[0].body.model).toBe('gpt-4.1-mini');
  }
});
