import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fixturePath } from '../support/fixtures';
import { startReplayUpstream, type ReplayAnswer, type ReplayUpstream } from '../support/replay-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Model discovery: an OpenAI-compatible provider configured without `models`
 * (an Ollama-like local server) is served from its own `GET /models`, asked
 * by the adapter service and followed by the router; `/v1/models` shows that
 * list, a model nobody serves is a 404 before any upstream call, and a
 * failing `GET /models` keeps the last list.
 */

const chatAnswer = readFileSync(fixturePath('provider-responses/vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json'), 'utf8');

/** `GET /models` as Ollama's OpenAI-compatible API answers it. */
function modelList(ids: string[]): ReplayAnswer {
  return {
    body: JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1733000000, owned_by: 'library' })) }),
  };
}

describe.each<Mode>(['embedded', 'distributed'])('model discovery (%s mode)', (mode) => {
  let local: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;
  /** What the local server's `GET /models` answers now. */
  let models: ReplayAnswer;

  const modelsAsked = () => local.requests.filter((request) => request.method === 'GET' && request.url === '/v1/models').length;
  const chatCalls = () => local.requests.filter((request) => request.url === '/v1/chat/completions');
  const listedIds = async () => (await client.models.list()).data.map((model) => model.id);

  beforeAll(async () => {
    local = await startReplayUpstream();
    models = modelList(['llama3.2:1b', 'qwen2.5:0.5b']);
    local.setDefault((request) => (request.url === '/v1/models' ? models : { body: chatAnswer }));
    switchyard = await startSwitchyard(mode, {
      providers: {
        // No `models`: the server's own list.
        local: { kind: 'openai', baseUrl: `${local.origin}/v1` },
        hosted: { kind: 'openai', baseUrl: `${local.origin}/hosted/v1`, models: ['gpt-4o-mini'] },
      },
      // Short, so the test sees refreshes; it waits on what it sees, never on these times.
      modelDiscovery: { refreshIntervalMs: 200, followIntervalMs: 100, timeoutMs: 5_000 },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey ?? 'unused', maxRetries: 0 });
    await waitFor(listedIds, (ids) => ids.includes('llama3.2:1b'), { timeoutMs: 15_000, what: 'the discovered models in /v1/models' });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await local?.close();
  });

  it("lists the server's own models, with the configured ones, in /v1/models", async () => {
    const ids = await listedIds();
    expect(ids).toEqual(expect.arrayContaining(['llama3.2:1b', 'qwen2.5:0.5b', 'local/llama3.2:1b', 'local/qwen2.5:0.5b', 'gpt-4o-mini']));
    // Asked with GET, at the provider's base URL, and never for the provider that has its list in config.
    expect(local.requests.some((request) => request.url.startsWith('/hosted/'))).toBe(false);
  });

  it('serves a discovered model from that provider', async () => {
    const before = chatCalls().length;
    const completion = await client.chat.completions.create({ model: 'qwen2.5:0.5b', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0].message.content).toBe(JSON.parse(chatAnswer).choices[0].message.content);
    expect(chatCalls()).toHaveLength(before + 1);
    expect(chatCalls().at(-1)!.json.model).toBe('qwen2.5:0.5b');
  });

  it('answers 404 model_not_found for a model nobody serves, before any upstream call', async () => {
    const before = local.requests.filter((request) => request.method === 'POST').length;
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }).then(
      () => undefined,
      (caught: unknown) => caught as InstanceType<typeof OpenAI.APIError>,
    );
    expect(error?.status).toBe(404);
    expect(error?.code).toBe('model_not_found');
    expect(local.requests.filter((request) => request.method === 'POST')).toHaveLength(before);
  });

  it('keeps the last list while GET /models fails, and takes a new one when it answers again', async () => {
    models = { status: 500, body: JSON.stringify({ error: { message: 'model store unavailable', type: 'server_error' } }) };
    const askedBefore = modelsAsked();
    // Several failed refreshes have passed through the adapter service and the router.
    await waitFor(modelsAsked, (asked) => asked >= askedBefore + 3, { timeoutMs: 15_000, what: 'failed refreshes of the model list' });
    expect(await listedIds()).toEqual(expect.arrayContaining(['llama3.2:1b', 'qwen2.5:0.5b']));
    const completion = await client.chat.completions.create({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices).toHaveLength(1);

    models = modelList(['llama3.2:1b', 'phi4-mini']);
    const ids = await waitFor(listedIds, (listed) => listed.includes('phi4-mini'), { timeoutMs: 15_000, what: 'the new model list' });
    expect(ids).not.toContain('qwen2.5:0.5b');
  });
});
