import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fixturePath } from '../support/fixtures';
import { DEFAULT_FIXTURES, openAIFixture, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * The model catalog through the whole gateway: `/v1/models` carries context
 * windows and capabilities, a request needing a capability the deployment's
 * model lacks is a 400 naming both (before any upstream call), and a model
 * without a configured price is costed at the catalog's price. Expected
 * values are read from the pricing fixtures, not from the generated catalog.
 */

const recordedChat = JSON.parse(readFileSync(openAIFixture(DEFAULT_FIXTURES.chat), 'utf8'));
const litellm = JSON.parse(readFileSync(fixturePath('pricing/RoCry-llm-api-price/model_prices_and_context_window.json'), 'utf8'));
const genaiOpenAI = (
  JSON.parse(readFileSync(fixturePath('pricing/pydantic-genai-prices/prices/data.json'), 'utf8')) as { id: string; models: any[] }[]
).find((provider) => provider.id === 'openai')!;

describe.each<Mode>(['embedded', 'distributed'])('the model catalog end to end (%s mode)', (mode) => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      mode,
      {
        providers: {
          openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4o', 'gpt-5-chat-latest', 'gpt-4.1-nano', 'a-local-model'] },
        },
        routes: {
          'chat-first': {
            strategy: 'fallback',
            targets: [
              { provider: 'openai', model: 'gpt-5-chat-latest' },
              { provider: 'openai', model: 'gpt-4o' },
            ],
          },
        },
      },
      // A workspace of the run's own: the distributed mode's governance tables outlive it in the shared Postgres.
      { workspace: `catalog-${mode}-${randomBytes(4).toString('hex')}` },
    );
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey!, maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  beforeEach(() => upstream.reset());

  it('lists context windows and capabilities with the models the catalog knows', async () => {
    const models = new Map<string, any>();
    for await (const model of client.models.list()) models.set(model.id, model);
    const gpt4o = litellm['gpt-4o'];
    expect(models.get('gpt-4o')).toMatchObject({
      owned_by: 'openai',
      context_window: gpt4o.max_input_tokens,
      max_output_tokens: gpt4o.max_output_tokens,
      capabilities: { tools: gpt4o.supports_function_calling, vision: gpt4o.supports_vision, json_schema: gpt4o.supports_response_schema },
    });
    expect(models.get('openai/gpt-5-chat-latest')).toMatchObject({ capabilities: { tools: false } });
    const local = models.get('a-local-model');
    expect(local).toEqual({ id: 'a-local-model', object: 'model', created: 0, owned_by: 'openai' });
  });

  it('answers 400 naming the deployment and the capability, without calling upstream', async () => {
    const refused = client.chat.completions.create({
      model: 'gpt-5-chat-latest',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      error: {
        message: 'Deployment openai/gpt-5-chat-latest does not support tools (function calling).',
        type: 'invalid_request_error',
        param: 'tools',
        code: 'tools_not_supported',
      },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('falls back past a deployment that lacks a capability to one that has it', async () => {
    upstream.enqueue({ kind: 'json-fixture', file: openAIFixture(DEFAULT_FIXTURES.chatWithTools) });
    const completion = await client.chat.completions
      .create({
        model: 'chat-first',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      })
      .withResponse();
    expect(completion.response.headers.get('x-switchyard-model')).toBe('gpt-4o');
    expect(completion.response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(upstream.requests.map((request) => request.body.model)).toEqual(['gpt-4o']);
  });

  it("costs a request without a configured price at the catalog's price", async () => {
    upstream.enqueue({ kind: 'json-fixture', file: DEFAULT_FIXTURES.chat });
    const requestId = `catalog-cost-${mode}`;
    await client.chat.completions.create(
      { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a holiday.' }] },
      { headers: { 'x-request-id': requestId } },
    );
    // The price genai-prices gives the served model's family.
    const nano = genaiOpenAI.models.find((model) => model.id === 'gpt-4.1-nano');
    const expected =
      (recordedChat.usage.prompt_tokens * nano.prices.input_mtok + recordedChat.usage.completion_tokens * nano.prices.output_mtok) / 1e6;
    const record = await waitFor<{ served_model: string; cost_usd: number } | undefined>(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return response.ok ? ((await response.json()) as { served_model: string; cost_usd: number }) : undefined;
      },
      (row) => row !== undefined,
      { timeoutMs: 30_000, what: 'the request record' },
    ).then((found) => found!);
    expect(record.served_model).toBe(recordedChat.model);
    expect(record.cost_usd).toBeCloseTo(expected, 12);
    expect(record.cost_usd).toBeGreaterThan(0);
  });
});
