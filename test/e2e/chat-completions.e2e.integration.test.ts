import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startMockAnthropicUpstream, type MockAnthropicUpstream } from '../support/mock-anthropic-upstream';
import { fixturePath } from '../support/fixtures';
import { summarizeAnthropicStream, summarizeOpenAIStream } from '../support/recorded-stream';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

const openAIText = fixturePath(
  'provider-responses/openai-python/.inline-snapshot/external/e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin',
);
const openAIToolCall = fixturePath(
  'provider-responses/openai-python/.inline-snapshot/external/2018feb66ae13fcf5333d61b95849decc68d3f63bd38172889367e1afb1e04f7.bin',
);
const openAITextJson = fixturePath('provider-responses/vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json');
const anthropicFixtures = 'provider-responses/anthropic-sdk-python/tests/lib/streaming/fixtures';
const vercelAnthropic = 'provider-responses/vercel-ai/packages/anthropic/src/__fixtures__';

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each<Mode>(['embedded', 'distributed'])('Switchyard end to end (%s mode)', (mode) => {
  let openAIUpstream: MockOpenAIUpstream;
  let anthropicUpstream: MockAnthropicUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_OPENAI_KEY = 'sk-e2e-openai';
    process.env.E2E_ANTHROPIC_KEY = 'sk-ant-e2e';
    openAIUpstream = await startMockOpenAIUpstream();
    anthropicUpstream = await startMockAnthropicUpstream();
    switchyard = await startSwitchyard(mode, {
      server: { bodyLimitBytes: 64 * 1024 },
      providers: {
        openai: {
          kind: 'openai',
          baseUrl: openAIUpstream.baseUrl,
          apiKey: '${E2E_OPENAI_KEY}',
          models: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
        },
        'openai-east': { kind: 'openai', baseUrl: openAIUpstream.baseUrl, apiKey: '${E2E_OPENAI_KEY}', models: ['gpt-4o-mini'] },
        slow: { kind: 'openai', baseUrl: openAIUpstream.baseUrl, models: ['slow-model'], timeoutMs: 300 },
        unreachable: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['gpt-4o-mini'] },
        anthropic: { kind: 'anthropic', baseUrl: anthropicUpstream.baseUrl, apiKey: '${E2E_ANTHROPIC_KEY}', models: ['claude-*'] },
      },
      routes: {
        resilient: {
          strategy: 'fallback',
          targets: [
            { provider: 'unreachable', model: 'gpt-4o-mini' },
            { provider: 'openai', model: 'gpt-4o-mini' },
          ],
        },
        balanced: {
          strategy: 'round-robin',
          targets: [
            { provider: 'openai', model: 'gpt-4o-mini' },
            { provider: 'openai-east', model: 'gpt-4o-mini' },
          ],
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
    // Distributed mode starts five services and joins a Kafka group: more than the default 20 s on a busy machine.
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await openAIUpstream?.close();
    await anthropicUpstream?.close();
  });

  beforeEach(() => {
    openAIUpstream.reset();
  });

  it('answers a non-streaming request with the upstream answer, and names who served it', async () => {
    openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Invent a holiday.' }] }, { headers: { 'x-request-id': 'e2e-request-1' } })
      .withResponse();
    const recorded = JSON.parse(readFileSync(openAITextJson, 'utf8'));
    expect(data.choices[0].message.content).toBe(recorded.choices[0].message.content);
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 363, total_tokens: 379 });
    expect(response.headers.get('x-request-id')).toBe('e2e-request-1');
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-4o-mini');
    expect(openAIUpstream.requests).toHaveLength(1);
    expect(openAIUpstream.requests[0].headers.authorization).toBe('Bearer sk-e2e-openai');
    expect(openAIUpstream.requests[0].body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Invent a holiday.' }] });
  });

  it('streams text chunk by chunk with usage, as OpenAI does', async () => {
    openAIUpstream.enqueue({ kind: 'stream-fixture', file: openAIText });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in San Francisco?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    const expected = summarizeOpenAIStream(openAIText);
    expect(text).toBe(expected.text);
    expect(chunks).toBeGreaterThan(20);
    expect(finishReason).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: expected.usage!.input, completion_tokens: expected.usage!.output });
  });

  it('streams a tool call with its name and arguments intact', async () => {
    openAIUpstream.enqueue({ kind: 'stream-fixture', file: openAIToolCall });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather in Edinburgh?' }], tools });
    const completion = await stream.finalChatCompletion();
    const expected = summarizeOpenAIStream(openAIToolCall);
    const call = completion.choices[0].message.tool_calls![0];
    expect(call.function.name).toBe(expected.toolCalls[0].name);
    expect(call.function.arguments).toBe(expected.toolCalls[0].arguments);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(openAIUpstream.requests[0].body.tools).toEqual(tools);
  });

  it('sends image parts and response_format upstream unchanged', async () => {
    openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Answer in JSON.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe.' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          ],
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'description', schema: { type: 'object', properties: { text: { type: 'string' } } }, strict: true },
      },
      temperature: 0,
      max_tokens: 50,
      seed: 3,
    });
    expect(openAIUpstream.requests[0].body).toMatchSnapshot();
  });

  it('falls back to the next deployment when the first cannot be reached', async () => {
    openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
    const { response } = await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(response.headers.get('x-switchyard-route-path')).toBe('targets[1]');
  });

  it('spreads requests round-robin across deployments', async () => {
    const providers: string[] = [];
    for (let index = 0; index < 4; index++) {
      const { response } = await client.chat.completions.create({ model: 'balanced', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      providers.push(response.headers.get('x-switchyard-provider')!);
    }
    expect(providers.filter((provider) => provider === 'openai')).toHaveLength(2);
    expect(providers.filter((provider) => provider === 'openai-east')).toHaveLength(2);
    expect(providers[0]).not.toBe(providers[1]);
  });

  it('serves embeddings and the model list', async () => {
    const embeddings = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['the quick brown fox', 'alpha beta gamma'],
      encoding_format: 'float',
    });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[1].index).toBe(1);
    expect(embeddings.data[0].embedding.length).toBeGreaterThan(0);
    expect(openAIUpstream.requests[0].body).toMatchObject({ model: 'text-embedding-3-small', input: ['the quick brown fox', 'alpha beta gamma'] });
    // The numbers are the upstream's own, to the last digit.
    const direct = (await (
      await fetch(`${openAIUpstream.baseUrl}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: ['the quick brown fox', 'alpha beta gamma'] }),
      })
    ).json()) as { data: { embedding: number[] }[] };
    expect(embeddings.data.map((item) => item.embedding)).toEqual(direct.data.map((item) => item.embedding));
    // The SDK's default asks for base64: the same vectors come back as float32, as from OpenAI.
    const packed = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['the quick brown fox', 'alpha beta gamma'] });
    expect(openAIUpstream.requests.at(-1)!.body.encoding_format).toBeUndefined();
    expect(packed.data.map((item) => item.embedding)).toEqual(direct.data.map((item) => Array.from(Float32Array.from(item.embedding))));
    const models: string[] = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(expect.arrayContaining(['gpt-4o-mini', 'openai/gpt-4o-mini', 'resilient', 'balanced']));
  });

  describe('errors, in OpenAI shape', () => {
    async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
      const response = await fetch(`${switchyard.baseURL}/chat/completions`, { method: 'POST', headers: switchyard.headers(headers), body });
      return { status: response.status, headers: response.headers, body: (await response.json()) as { error: Record<string, unknown> } };
    }

    it('400 for malformed JSON', async () => {
      const { status, body } = await post('{"model": "gpt-4o-mini", "messages": [');
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
      expect(body.error.message).toEqual(expect.any(String));
    });

    it('400 naming the field of the wrong type', async () => {
      const error = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 'many' as unknown as number })
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.param).toBe('max_tokens');
      expect(error.message).toContain('max_tokens');
      expect(openAIUpstream.requests).toHaveLength(0);
    });

    it('404 model_not_found for a model no provider serves', async () => {
      const error = await client.chat.completions
        .create({ model: 'gpt-unknown', messages: [{ role: 'user', content: 'hi' }] })
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.code).toBe('model_not_found');
      expect(error.param).toBe('model');
    });

    it('413 for a body over the configured limit', async () => {
      const { status, body } = await post(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }));
      expect(status).toBe(413);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
    });

    it('504 when the upstream does not answer in time', async () => {
      openAIUpstream.enqueue({ kind: 'hang' });
      const error = await client.chat.completions
        .create({ model: 'slow-model', messages: [{ role: 'user', content: 'hi' }] })
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(504);
      expect(error.code).toBe('upstream_timeout');
    });

    it('502 carrying the provider status and message when the upstream fails', async () => {
      openAIUpstream.enqueue({
        kind: 'error',
        status: 500,
        body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } },
      });
      const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(502);
      expect(error.message).toContain('500');
      expect(error.message).toContain('The server had an error while processing your request.');
    });

    it('429 with the upstream Retry-After', async () => {
      openAIUpstream.enqueue({
        kind: 'error',
        status: 429,
        headers: { 'retry-after': '7' },
        body: {
          error: {
            message: 'Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
      });
      const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error.headers.get('retry-after')).toBe('7');
      expect(error.message).toContain('Rate limit reached');
    });

    it('401 invalid_api_key for an unknown key on a model route and for none on the records route', async () => {
      const before = openAIUpstream.requests.length;
      // A well-formed key the gateway never issued, sent without the harness's headers.
      const refused = await fetch(`${switchyard.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer sk-sy-${'A'.repeat(43)}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
      const records = await fetch(`${switchyard.baseURL}/requests`);
      expect(records.status).toBe(401);
      expect(((await records.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
      expect(openAIUpstream.requests.length).toBe(before);
    });

    it('unknown routes answer 404 in the same shape', async () => {
      const response = await fetch(`${switchyard.baseURL}/nothing-here`, { headers: switchyard.headers() });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    });
  });

  it('aborts the upstream request when the client disconnects mid-stream', async () => {
    openAIUpstream.enqueue({ kind: 'stream-fixture', file: openAIText, chunkDelayMs: 100 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await waitFor(() => openAIUpstream.abortedRequests === 1);
    expect(openAIUpstream.abortedRequests).toBe(1);
  });

  it('reports health, readiness and Prometheus metrics of what it served', async () => {
    const origin = switchyard.baseURL.replace(/\/v1$/, '');
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    // A distributed gateway also says where its routes come from: the router's snapshots, live.
    expect(await (await fetch(`${origin}/readyz`)).json()).toEqual(
      mode === 'distributed' ? { status: 'ready', router: 'ready' } : { status: 'ready' },
    );
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_gateway_requests_total\{route="chat.completion",status_code="200"\} [1-9]/m);
    expect(metrics).toMatch(/^switchyard_gateway_requests_total\{route="chat.completion",status_code="400"\} [1-9]/m);
    expect(metrics).toMatch(/^switchyard_gateway_errors_total\{error_class="timeout"\} [1-9]/m);
    expect(metrics).toMatch(/^switchyard_gateway_upstream_duration_seconds_count\{provider="openai",outcome="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^switchyard_gateway_upstream_duration_seconds_count\{provider="unreachable",outcome="connection"\} [1-9]/m);
    expect(metrics).toMatch(/^switchyard_gateway_time_to_first_chunk_seconds_count\{provider="openai"\} [1-9]/m);
    expect(metrics).toMatch(/^switchyard_gateway_request_duration_seconds_bucket\{le="0.005",route="chat.completion"\} \d+/m);
  });

  describe('through the native Anthropic adapter', () => {
    async function streamFrom(file: string, tools?: OpenAI.ChatCompletionTool[]) {
      anthropicUpstream.enqueue({ kind: 'stream-fixture', file: fixturePath(file) });
      const stream = await client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        messages: [
          { role: 'system', content: 'Be helpful.' },
          { role: 'user', content: 'Hello' },
        ],
        stream: true,
        stream_options: { include_usage: true },
        ...(tools && { tools }),
      });
      let text = '';
      let reasoning = '';
      let usage: OpenAI.CompletionUsage | undefined;
      let finishReason: string | null = null;
      const calls: { name: string; arguments: string }[] = [];
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (chunk.usage) usage = chunk.usage;
        if (!choice) continue;
        text += choice.delta.content ?? '';
        reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
        finishReason = choice.finish_reason ?? finishReason;
        for (const call of choice.delta.tool_calls ?? []) {
          calls[call.index] ??= { name: '', arguments: '' };
          calls[call.index].name += call.function?.name ?? '';
          calls[call.index].arguments += call.function?.arguments ?? '';
        }
      }
      return { text, reasoning, usage, finishReason, calls, expected: summarizeAnthropicStream(fixturePath(file)) };
    }

    it('turns a recorded text stream into the same OpenAI text and usage', async () => {
      const result = await streamFrom(`${anthropicFixtures}/basic_response.txt`);
      expect(result.text).toBe(result.expected.text);
      expect(result.text.length).toBeGreaterThan(0);
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toMatchObject({ prompt_tokens: result.expected.usage!.input, completion_tokens: result.expected.usage!.output });
      const sent = anthropicUpstream.requests.at(-1)!;
      expect(sent.headers['x-api-key']).toBe('sk-ant-e2e');
      expect(sent.body).toMatchObject({ model: 'claude-sonnet-4-5', system: 'Be helpful.', stream: true, messages: [{ role: 'user' }] });
    });

    it('turns a recorded tool call into an OpenAI tool call with the same name and arguments', async () => {
      const result = await streamFrom(`${anthropicFixtures}/tool_use_response.txt`, [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
      ]);
      expect(result.calls.map((call) => call.name)).toEqual(result.expected.toolCalls.map((call) => call.name));
      expect(result.calls.map((call) => JSON.parse(call.arguments))).toEqual(result.expected.toolCalls.map((call) => JSON.parse(call.arguments)));
      expect(result.finishReason).toBe('tool_calls');
      expect(result.usage).toMatchObject({ prompt_tokens: result.expected.usage!.input, completion_tokens: result.expected.usage!.output });
    });

    it('ends a stream the provider fails mid-way with an error event the SDK raises, after the text already sent', async () => {
      anthropicUpstream.enqueue({
        kind: 'stream-fixture',
        file: fixturePath(`${anthropicFixtures}/basic_response.txt`),
        eventLimit: 4,
        append: 'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
      });
      const stream = await client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: true,
      });
      let text = '';
      const error = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })().catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.message).toContain('Overloaded');
      expect(text).toBe('Hello');
    });

    it('answers an Anthropic error status in OpenAI shape', async () => {
      anthropicUpstream.enqueue({
        kind: 'error',
        status: 529,
        body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      });
      const error = await client.chat.completions
        .create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }] })
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(502);
      expect(error.message).toContain('Overloaded');
    });

    it('carries thinking as reasoning_content and the answer as content', async () => {
      const result = await streamFrom(`${vercelAnthropic}/anthropic-clear-thinking.1.chunks.txt`);
      expect(result.expected.reasoning.length).toBeGreaterThan(0);
      expect(result.reasoning).toBe(result.expected.reasoning);
      expect(result.text).toBe(result.expected.text);
      expect(result.usage).toMatchObject({ prompt_tokens: result.expected.usage!.input, completion_tokens: result.expected.usage!.output });
    });
  });
});
