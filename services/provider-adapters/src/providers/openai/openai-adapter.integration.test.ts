import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { openAIProviderSchema, type CallContext, type ChatRequest, type StreamPart } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import type { ProviderAdapter } from '../provider-adapter';
import { createOpenAIAdapter } from '.';
import { openAIFixture, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../../test/support/mock-openai-upstream';

/** The OpenAI adapter over a real socket, with a real UpstreamClient, against the mock upstream. */

const DEFAULT_STREAM = 'e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin';

let upstream: MockOpenAIUpstream;
let http: UpstreamClient;

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  http = new UpstreamClient();
});

afterAll(async () => {
  await http.close();
  await upstream.close();
});

beforeEach(() => upstream.reset());

function adapter(options: { timeoutMs?: number; apiKey?: string } = {}): ProviderAdapter {
  return createOpenAIAdapter({
    id: 'mock-openai',
    config: openAIProviderSchema.parse({ kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], timeoutMs: options.timeoutMs ?? 10_000 }),
    apiKey: options.apiKey,
    headers: {},
    http,
    env: {},
  });
}

function context(signal: AbortSignal = new AbortController().signal): CallContext {
  return { requestId: 'request-1', signal };
}

const chatRequest = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: [{ type: 'text', text: "What's the weather like in SF?" }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
  ...overrides,
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('OpenAI adapter against the mock upstream', () => {
  it('completes with the recorded default response, sending the API key', async () => {
    const response = await adapter({ apiKey: 'sk-mock' }).complete('gpt-4.1-nano', chatRequest(), context());
    expect(response).toMatchObject({ id: 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU', model: 'gpt-4.1-nano-2025-04-14' });
    expect(response.choices[0].message.content).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'gpt-4.1-nano' } });
    expect(upstream.requests[0].headers.authorization).toBe('Bearer sk-mock');
  });

  it('streams the recorded text part by part, asks for usage, and ends the response cleanly', async () => {
    const parts: StreamPart[] = [];
    for await (const part of await adapter().stream('gpt-4o', chatRequest({ stream: true }), context())) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start', id: 'chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL' });
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(text).toBe(
      "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend checking a reliable weather website or a weather app.",
    );
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 14, outputTokens: 30, reasoningTokens: 0 } },
    ]);
    expect(upstream.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(upstream.requests[0].headers).not.toHaveProperty('authorization');
    expect(upstream.abortedRequests).toBe(0);
  });

  it('streams the recorded tool call by default when the request has tools', async () => {
    const tools = [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const parts: StreamPart[] = [];
    for await (const part of await adapter().stream('gpt-4o', chatRequest({ stream: true, tools }), context())) parts.push(part);
    expect(parts.find((part) => part.type === 'tool-call-start')).toMatchObject({ id: 'call_4XzlGBLtUe9dy3GVNV4jhq7h', name: 'get_weather' });
    const argumentsText = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : [])).join('');
    expect(JSON.parse(argumentsText)).toEqual({ city: 'New York City' });
  });

  it('replays a queued vercel chunks recording with [DONE] appended', async () => {
    upstream.enqueue({ kind: 'stream-fixture', file: 'vercel-ai/packages/deepseek/src/chat/__fixtures__/deepseek-reasoning.chunks.txt' });
    const parts: StreamPart[] = [];
    for await (const part of await adapter().stream('deepseek-reasoner', chatRequest({ stream: true }), context())) parts.push(part);
    const reasoning = parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.text] : [])).join('');
    expect(reasoning).toMatch(/Thus, the answer is 3\.$/);
    expect(parts[parts.length - 1]).toEqual({
      type: 'usage',
      usage: { inputTokens: 18, outputTokens: 219, cachedInputTokens: 0, reasoningTokens: 205 },
    });
  });

  it('embeds with deterministic vectors in OpenAI shape', async () => {
    const embed = adapter().embed!;
    const request = { model: 'embed', input: ['the cat sat on the mat', 'the cat sat on a mat', 'quarterly revenue grew'] };
    const first = await embed('text-embedding-3-small', request, context());
    const second = await embed('text-embedding-3-small', request, context());
    expect(second).toEqual(first);
    expect(first.model).toBe('text-embedding-3-small');
    expect(first.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(first.data[0].vector).toHaveLength(256);
    expect(first.usage).toEqual({ inputTokens: 15, outputTokens: 0 });
    const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index], 0);
    const [cat, cat2, revenue] = first.data.map((item) => item.vector);
    expect(cosine(cat, cat)).toBeCloseTo(1, 10);
    expect(cosine(cat, cat2)).toBeGreaterThan(cosine(cat, revenue));
    expect(upstream.requests[0]).toMatchObject({ path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: request.input } });
  });

  it("answers the model does-not-exist with OpenAI's 404, which keeps its code", async () => {
    const error = await adapter()
      .complete('does-not-exist', chatRequest(), context())
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', errorClass: 'not_found' });
    expect((error as Error).message).toBe('mock-openai returned 404: The model `does-not-exist` does not exist or you do not have access to it.');
  });

  it('rejects stream() on a queued 429 and keeps Retry-After', async () => {
    upstream.enqueue({
      kind: 'error',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    });
    await expect(adapter().stream('gpt-4o', chatRequest({ stream: true }), context())).rejects.toMatchObject({ status: 429, retryAfter: '7' });
  });

  it('gives up on a hanging upstream after the timeout with 504 upstream_timeout', async () => {
    upstream.enqueue({ kind: 'hang' });
    const error = await adapter({ timeoutMs: 150 })
      .complete('gpt-4o', chatRequest(), context())
      .catch((caught: unknown) => caught);
    // The adapter's own 150 ms deadline ended the call (not the 10 s default, not the caller), and let go of the upstream request.
    expect(error).toMatchObject({ status: 504, errorClass: 'timeout', code: 'upstream_timeout', retryable: true });
    expect((error as Error).message).toBe('mock-openai did not answer within 150 ms');
    await waitFor(() => upstream.abortedRequests === 1);
  });

  it('times out a stream that stalls after its first events', async () => {
    upstream.enqueue({ kind: 'slow-stream', file: openAIFixture(DEFAULT_STREAM), chunkDelayMs: 100 });
    const parts: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of await adapter({ timeoutMs: 250 }).stream('gpt-4o', chatRequest({ stream: true }), context())) parts.push(part);
    })().catch((caught: unknown) => caught);
    expect(parts[0].type).toBe('response-start');
    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('closes the upstream connection when the caller aborts mid-stream', async () => {
    upstream.enqueue({ kind: 'slow-stream', file: DEFAULT_STREAM, chunkDelayMs: 50 });
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of await adapter().stream('gpt-4o', chatRequest({ stream: true }), context(controller.signal))) {
        parts.push(part);
        if (parts.length === 2) controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 499, code: 'client_closed_request' });
    await waitFor(() => upstream.abortedRequests === 1);
    expect(parts.length).toBeLessThan(10);
  });

  it('closes the upstream connection when the consumer stops reading', async () => {
    upstream.enqueue({ kind: 'slow-stream', file: DEFAULT_STREAM, chunkDelayMs: 50 });
    for await (const part of await adapter().stream('gpt-4o', chatRequest({ stream: true }), context())) {
      if (part.type === 'text-delta') break;
    }
    await waitFor(() => upstream.abortedRequests === 1);
  });
});

describe('the mock upstream speaks OpenAI wire format', () => {
  async function get(path: string): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      httpRequest(`${upstream.baseUrl.replace(/\/v1$/, '')}${path}`, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('lists models in OpenAI list shape', async () => {
    const { status, body } = await get('/v1/models');
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data).toContainEqual({ id: 'gpt-4o-2024-08-06', object: 'model', created: 1_700_000_000, owned_by: 'system' });
  });

  it('answers an unknown path with OpenAI invalid URL error', async () => {
    expect(await get('/v1/nothing')).toEqual({
      status: 404,
      body: { error: { message: 'Invalid URL (GET /v1/nothing)', type: 'invalid_request_error', param: null, code: null } },
    });
  });

  it('closes while a request hangs', async () => {
    const own = await startMockOpenAIUpstream();
    own.enqueue({ kind: 'hang' });
    const failed = new Promise<Error>((resolve) => {
      httpRequest(`${own.baseUrl}/chat/completions`, { method: 'POST' }).on('error', resolve).end('{"model":"gpt-4o"}');
    });
    await waitFor(() => own.requests.length === 1);
    await own.close();
    expect((await failed).message).toBe('socket hang up');
  });

  it('sends a raw recording byte for byte', async () => {
    const recorded = readFileSync(openAIFixture(DEFAULT_STREAM), 'utf8');
    const text = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        `${upstream.baseUrl}/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (response) => {
          expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve(body));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] }));
    });
    expect(text).toBe(recorded);
  });
});
