import { InProcessEventBus, type SwitchyardEvent } from '@switchyard/events';
import { startGatewayServer, type GatewayServer } from '@switchyard/gateway';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { configSchema, createLogger, type ExperimentAssigner, type ObservabilityQueryService, type PromptResolver } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { waitFor } from '../../../../test/support/wait-for';
import { openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { InProcessPromptChangeBus } from './prompt-change-bus';
import { PromptStore } from './prompt-store';
import { CompiledTemplate } from './prompt-template';
import { parseVariableSpecs } from './prompt-variables';
import { StoredPromptResolver } from './stored-prompt-resolver';

jest.setTimeout(60_000);

/**
 * Chat requests that reference a stored prompt, through the real gateway in
 * front of a mock upstream speaking OpenAI's format: what reaches the
 * upstream is the rendered prompt with the version's config filling the
 * gaps, the record carries the prompt's name and version, and every bad
 * reference is answered in OpenAI's error format before any upstream call.
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
let database: TestGovernanceDatabase;
let store: PromptStore;
const recorded: SwitchyardEvent[] = [];
const closers: Array<() => Promise<void>> = [];

async function startGateway(promptResolver: PromptResolver | undefined): Promise<GatewayServer> {
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    events: { lingerMs: 5 },
  });
  const events = new InProcessEventBus({ logger, lingerMs: 5 });
  events.subscribe({ name: 'test', writeBatch: async (batch) => void recorded.push(...batch) });
  const adapters = new LocalProviderAdapterService(config);
  const gateway = await startGatewayServer({
    config,
    router: new LocalRouterService(config),
    adapters,
    events,
    observability: noQueries,
    logger,
    promptResolver,
  });
  closers.push(async () => {
    await gateway.close(100);
    await events.close();
    await adapters.close();
  });
  return gateway;
}

async function createVersion(
  name: string,
  type: 'text' | 'chat',
  template: unknown,
  variables: unknown,
  extra: { config?: object; labels?: string[] } = {},
) {
  const specs = parseVariableSpecs(variables);
  CompiledTemplate.compile(type, template, specs);
  return store.createVersion({
    workspace: 'default',
    name,
    type,
    template: template as string,
    variables: specs,
    config: extra.config ?? {},
    labels: extra.labels ?? [],
    commitMessage: '',
    createdBy: 'test',
  });
}

async function chat(gateway: GatewayServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as any };
}

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  database = await openTestGovernanceDatabase('postgres');
  await database.store.ensureDefaultWorkspace();
  store = new PromptStore(database.client);
  await createVersion(
    'support',
    'chat',
    [
      { role: 'system', content: 'You answer for {{company}} in a {{tone}} tone.' },
      { role: 'user', content: 'Customer {{customer_id}} asks: {{question}}' },
    ],
    {
      company: { type: 'string', default: 'Acme' },
      tone: { type: 'string' },
      customer_id: { type: 'number' },
      question: { type: 'string' },
    },
    {
      config: { model: 'gpt-4.1-nano', parameters: { temperature: 0.1, max_tokens: 64 }, response_format: { type: 'text' } },
      labels: ['production'],
    },
  );
  await createVersion(
    'support',
    'chat',
    [{ role: 'system', content: 'Version two for {{company}}; {{tone}}.' }],
    {
      company: { type: 'string', default: 'Acme' },
      tone: { type: 'string' },
      customer_id: { type: 'number' },
      question: { type: 'string' },
    },
    { config: { model: 'gpt-4o-mini' }, labels: ['staging'] },
  );
  await createVersion(
    'haiku',
    'text',
    'A haiku about {{topic}}.',
    { topic: { type: 'string' } },
    { config: { model: 'gpt-4.1-nano' }, labels: ['production'] },
  );
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await upstream?.close();
  await database?.dispose();
});

beforeEach(() => upstream.reset());

describe('a gateway with the prompt store', () => {
  let gateway: GatewayServer;
  let resolver: StoredPromptResolver;
  beforeAll(async () => {
    resolver = new StoredPromptResolver(store, { changes: new InProcessPromptChangeBus() });
    closers.push(async () => resolver.close());
    gateway = await startGateway(resolver);
  });

  it('sends the rendered production version with its config, and records the prompt and version', async () => {
    const answer = await chat(gateway, {
      prompt: { name: 'support', variables: { tone: 'warm', customer_id: 42, question: 'Where is my order?' } },
      messages: [{ role: 'user', content: 'It was due Monday.' }],
      max_tokens: 20,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.object).toBe('chat.completion');
    const sent = upstream.requests[0].body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You answer for Acme in a warm tone.' },
      { role: 'user', content: 'Customer 42 asks: Where is my order?' },
      { role: 'user', content: 'It was due Monday.' },
    ]);
    expect(sent).toMatchObject({ model: 'gpt-4.1-nano', temperature: 0.1, response_format: { type: 'text' } });
    // The body's own parameter wins over the version's.
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(20);
    expect(sent.prompt).toBeUndefined();
    const record = await waitFor(
      () => recorded.find((event) => event.kind === 'request-completed' && event.event.requestId === answer.requestId),
      (found) => found !== undefined,
      { timeoutMs: 5_000, what: 'the request record' },
    );
    expect(record?.event).toMatchObject({ promptName: 'support', promptVersion: 1, requestedModel: 'gpt-4.1-nano' });
  });

  it('takes the reference from the x-switchyard-prompt header: a label, a version, or the default production', async () => {
    const variables = { prompt: { variables: { tone: 'dry', customer_id: 7, question: 'Hi?' } } };
    expect((await chat(gateway, variables, { 'x-switchyard-prompt': 'support@staging' })).status).toBe(200);
    expect(upstream.requests[0].body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Version two for Acme; dry.' }] });
    expect((await chat(gateway, { ...variables, model: 'gpt-4.1-mini' }, { 'x-switchyard-prompt': 'support#1' })).status).toBe(200);
    expect(upstream.requests[1].body).toMatchObject({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'system', content: 'You answer for Acme in a dry tone.' }, expect.anything()],
    });
    expect((await chat(gateway, { prompt: { variables: { topic: 'rain' } } }, { 'x-switchyard-prompt': 'haiku' })).status).toBe(200);
    expect(upstream.requests[2].body.messages).toEqual([{ role: 'user', content: 'A haiku about rain.' }]);
  });

  it.each([
    ['an unknown prompt', { prompt: { name: 'nothing', variables: {} } }, {}, 404, 'prompt.name', 'prompt_not_found'],
    [
      'an unknown label',
      { prompt: { name: 'haiku', label: 'canary', variables: { topic: 'x' } } },
      {},
      404,
      'prompt.label',
      'prompt_label_not_found',
    ],
    [
      'an unknown version',
      { prompt: { name: 'haiku', version: 9, variables: { topic: 'x' } } },
      {},
      404,
      'prompt.version',
      'prompt_version_not_found',
    ],
    ['missing variables', { prompt: { name: 'support', variables: { tone: 'warm' } } }, {}, 400, 'prompt.variables.customer_id', 'missing_variable'],
    ['a mistyped variable', { prompt: { name: 'haiku', variables: { topic: 3 } } }, {}, 400, 'prompt.variables.topic', 'invalid_variable'],
    [
      'both label and version',
      { prompt: { name: 'haiku', label: 'production', version: 1, variables: {} } },
      {},
      400,
      'prompt.version',
      'invalid_value',
    ],
    ['a malformed header', { prompt: { variables: {} } }, { 'x-switchyard-prompt': 'haiku@' }, 400, 'x-switchyard-prompt', 'invalid_header'],
    ['a name in header and body', { prompt: { name: 'haiku', variables: {} } }, { 'x-switchyard-prompt': 'haiku' }, 400, 'prompt', 'invalid_value'],
    ['a prompt that is not an object', { prompt: 'haiku', messages: [] }, {}, 400, 'prompt', 'invalid_type'],
  ])('refuses %s in OpenAI’s error format, before any upstream call', async (_case, body, headers, status, param, code) => {
    const answer = await chat(gateway, body, headers);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ param, code });
    expect(typeof answer.body.error.message).toBe('string');
    expect(upstream.requests).toHaveLength(0);
  });

  it('resolves a reference on the Messages API: system text first, shared parameters filled, Anthropic’s errors', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        prompt: { name: 'support', variables: { tone: 'brief', customer_id: 5, question: 'Refund?' } },
        system: 'Reply in English.',
        messages: [{ role: 'user', content: 'Order 17.' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { type: string }).type).toBe('message');
    const sent = upstream.requests[0].body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You answer for Acme in a brief tone.\n\nReply in English.' },
      { role: 'user', content: 'Customer 5 asks: Refund?' },
      { role: 'user', content: 'Order 17.' },
    ]);
    expect(sent).toMatchObject({ model: 'gpt-4.1-nano', temperature: 0.1 });
    expect(sent.response_format).toBeUndefined();
    const refused = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-switchyard-prompt': 'support@canary' },
      body: JSON.stringify({ max_tokens: 10, messages: [] }),
    });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(upstream.requests).toHaveLength(1);
  });

  it('names every missing variable in the message', async () => {
    const answer = await chat(gateway, { prompt: { name: 'support', variables: { customer_id: 'seven' } } });
    expect(answer.body.error.message).toBe('Prompt `support`: missing variables `question`, `tone`; `customer_id` must be a number.');
  });

  it('lets an A/B test pick the version and the model for references by label, never for a pinned version', async () => {
    const assigned: unknown[] = [];
    const experiments: ExperimentAssigner = {
      assign: (workspace, target, subject) => {
        assigned.push({ workspace, target, subject });
        return { experimentId: 'exp_1', arm: 'b', promptVersion: 2, model: 'gpt-4.1-mini' };
      },
    };
    const withTest = new StoredPromptResolver(store, { experiments });
    closers.push(async () => withTest.close());
    const testGateway = await startGateway(withTest);
    const variables = { tone: 'calm', customer_id: 1, question: 'Q' };
    expect(
      (await chat(testGateway, { prompt: { name: 'support', variables }, user: 'user-9' }, { 'x-switchyard-session-id': 'session-3' })).status,
    ).toBe(200);
    expect(upstream.requests[0].body).toMatchObject({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'system', content: 'Version two for Acme; calm.' }],
    });
    expect(assigned).toEqual([
      { workspace: 'default', target: { prompt: 'support' }, subject: { requestId: expect.any(String), user: 'user-9', sessionId: 'session-3' } },
    ]);
    expect((await chat(testGateway, { prompt: { name: 'support', version: 1, variables } })).status).toBe(200);
    expect(upstream.requests[1].body.model).toBe('gpt-4.1-nano');
    expect(assigned).toHaveLength(1);
  });
});

it('answers 501 to a prompt reference on a gateway without the prompt store', async () => {
  const gateway = await startGateway(undefined);
  const answer = await chat(gateway, { prompt: { name: 'haiku', variables: { topic: 'x' } } });
  expect(answer).toMatchObject({ status: 501, body: { error: { code: 'prompts_unavailable', param: 'prompt' } } });
  expect(upstream.requests).toHaveLength(0);
});
