import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * The plugin pipeline end to end in both modes, with the official SDKs as
 * clients: the example plugin (examples/plugins/keyword-guard) and a test
 * plugin are loaded through `plugins.modules`, in front of a mock upstream
 * that speaks OpenAI's wire format. A plugin's answer is served with no
 * upstream call (whole, and replayed as a stream the SDK reads), a
 * rejection reaches the client in its own API's error format, a rewrite is
 * what the upstream receives, and the request records say who answered.
 */

interface RecordedRequestRecord {
  id: string;
  status: string;
  provider: string | null;
  served_by: string | null;
  served_by_detail: string | null;
  annotations: Record<string, string>;
  usage: { input_tokens: number; output_tokens: number };
  cost_usd: number;
}

describe.each<Mode>(['embedded', 'distributed'])('plugins (%s mode)', (mode) => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let openai: OpenAI;

  beforeAll(async () => {
    process.env.E2E_OPENAI_KEY = 'sk-e2e-openai';
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: '${E2E_OPENAI_KEY}', models: ['gpt-4o-mini', 'gpt-4o'] } },
      plugins: {
        modules: ['./examples/plugins/keyword-guard', './test/e2e/__fixtures__/rewrite-and-record-plugin.ts'],
        order: ['keyword-guard', 'test-recorder'],
        settings: { 'keyword-guard': { keywords: ['Password Dump'], cannedAnswers: { ping: 'pong, from the keyword-guard plugin' } } },
      },
    });
    openai = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  beforeEach(() => upstream.reset());

  async function recordOf(requestId: string): Promise<RecordedRequestRecord> {
    return waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return response.status === 200 ? ((await response.json()) as RecordedRequestRecord) : undefined;
      },
      (record) => record !== undefined,
      { timeoutMs: 30_000, what: `the record of ${requestId}` },
    ) as Promise<RecordedRequestRecord>;
  }

  async function answerSeen(requestId: string): Promise<{ content: string | null; streamed: boolean; outcome: string; parts: number }> {
    const seen = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/test-recorder/answers?request_id=${requestId}`, { headers: switchyard.headers() });
        return (await response.json()) as { answer: { content: string | null; streamed: boolean; outcome: string; parts: number } | null };
      },
      (body) => body.answer !== null,
      { timeoutMs: 10_000, what: `the answer test-recorder saw for ${requestId}` },
    );
    return seen.answer!;
  }

  it('answers from a plugin with no upstream call, headers naming it, and records served_by', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe('pong, from the keyword-guard plugin');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(response.headers.get('x-switchyard-served-by')).toBe('keyword-guard');
    expect(response.headers.get('x-switchyard-served-by-detail')).toBe('canned');
    expect(response.headers.get('x-switchyard-keyword-guard')).toBe('passed');
    expect(response.headers.get('x-switchyard-provider')).toBeNull();
    expect(upstream.requests).toHaveLength(0);
    const metrics = await (await fetch(`${switchyard.origin}/metrics`, { headers: switchyard.headers() })).text();
    expect(metrics).toMatch(/^switchyard_gateway_plugin_answers_total\{plugin="keyword-guard",detail="canned"\} [1-9]/m);
    const requestId = response.headers.get('x-request-id')!;
    expect(await recordOf(requestId)).toMatchObject({
      status: 'succeeded',
      provider: null,
      served_by: 'keyword-guard',
      served_by_detail: 'canned',
      annotations: { 'keyword-guard': 'passed' },
      cost_usd: 0,
    });
  });

  it('replays a plugin answer as a stream the openai SDK reads', async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    const finishReasons: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason) finishReasons.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('pong, from the keyword-guard plugin');
    expect(finishReasons).toEqual(['stop']);
    expect(usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0 });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-switchyard-served-by')).toBe('keyword-guard');
    expect(upstream.requests).toHaveLength(0);
    expect(await recordOf(response.headers.get('x-request-id')!)).toMatchObject({
      served_by: 'keyword-guard',
      annotations: { 'keyword-guard': 'passed' },
    });
  });

  it('refuses a rejected request in OpenAI error format, without calling upstream, and records why', async () => {
    const error = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Give me the password dump, please' }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const refused = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('content_blocked');
    expect(refused.message).toContain('blocked by the keyword-guard plugin');
    expect(upstream.requests).toHaveLength(0);
    expect(await recordOf(refused.requestID!)).toMatchObject({ status: 'failed', served_by: null, annotations: { 'keyword-guard': 'blocked' } });
  });

  it('refuses a rejected request in Anthropic error format on /v1/messages', async () => {
    const anthropic = new Anthropic({ baseURL: switchyard.origin, apiKey: switchyard.apiKey, maxRetries: 0 });
    const error = await anthropic.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'password dump' }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const refused = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(refused.status).toBe(400);
    expect(refused.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('keyword-guard') },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('sends the upstream the rewritten request, and records the provider as the answerer', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'rewrite-me', messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    expect(data.choices[0].message.content).toEqual(expect.any(String));
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].body.model).toBe('gpt-4o-mini');
    expect(upstream.requests[0].body.messages[0]).toEqual({ role: 'system', content: 'Added by the test-recorder plugin.' });
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-served-by')).toBeNull();
    expect(response.headers.get('x-switchyard-test-recorder')).toBe('seen');
    const requestId = response.headers.get('x-request-id')!;
    expect(await answerSeen(requestId)).toEqual({ content: data.choices[0].message.content, streamed: false, outcome: 'provider:openai', parts: 0 });
    expect(await recordOf(requestId)).toMatchObject({
      provider: 'openai',
      served_by: 'provider',
      annotations: { 'keyword-guard': 'passed', 'test-recorder': 'rewrote' },
    });
  });

  it("passes a provider's stream through the plugins and gives afterResponse the whole answer once it ended", async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const seen = await answerSeen(response.headers.get('x-request-id')!);
    expect(seen).toMatchObject({ content: text, streamed: true, outcome: 'provider:openai' });
    expect(seen.parts).toBeGreaterThan(2);
  });

  it("serves plugins' endpoints behind authentication, in the caller's workspace", async () => {
    const stats = await fetch(`${switchyard.origin}/v1/keyword-guard/stats`, { headers: switchyard.headers() });
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ object: 'keyword_guard.stats', workspace: 'default', keywords: 1 });
    const anonymous = await fetch(`${switchyard.origin}/v1/keyword-guard/stats`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
    const wrongMethod = await fetch(`${switchyard.origin}/v1/keyword-guard/stats`, { method: 'DELETE', headers: switchyard.headers() });
    expect(wrongMethod.status).toBe(404);
  });

  it('refuses a plugin endpoint outside the key scopes, by its endpoint name', async () => {
    const created = await fetch(`${switchyard.origin}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspace: 'default', name: 'chat-only', scopes: { endpoints: ['chat.completions'] } }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const refused = await fetch(`${switchyard.origin}/v1/keyword-guard/stats`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'endpoint_not_allowed' } });
  });
});
