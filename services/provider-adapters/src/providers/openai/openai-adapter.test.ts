import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ProviderError, openAIProviderSchema, type CallContext, type ChatRequest, type StreamPart } from '@switchyard/shared';
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import { createOpenAIAdapter } from './index';

const PROVIDER_RESPONSES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses');
const VERCEL = path.join(PROVIDER_RESPONSES, 'vercel-ai/packages');
const OPENAI_PYTHON = path.join(PROVIDER_RESPONSES, 'openai-python/.inline-snapshot/external');

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/** An UpstreamClient that records what would be sent and answers with a recorded body. */
class RecordingClient extends UpstreamClient {
  readonly sent: UpstreamRequest[] = [];
  constructor(private readonly answer: Answer) {
    super();
  }

  override async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    this.sent.push(request);
    const body = Readable.from([Buffer.from(this.answer.body)]) as unknown as UpstreamResponse['body'];
    return { status: this.answer.status ?? 200, headers: this.answer.headers ?? {}, body };
  }
}

/** `apiKey: null` configures no key. */
function adapterFor(answer: Answer, config: Record<string, unknown> = {}, apiKey: string | null = 'sk-test') {
  const http = new RecordingClient(answer);
  const adapter = createOpenAIAdapter({
    id: 'openai',
    config: openAIProviderSchema.parse({ kind: 'openai', models: ['*'], ...config }),
    apiKey: apiKey ?? undefined,
    headers: { 'openai-organization': 'org-123' },
    http,
    env: {},
  });
  return { adapter, http, sentBody: () => JSON.parse(http.sent[0].body as string) };
}

const context = (): CallContext => ({ requestId: 'request-1', signal: new AbortController().signal });

const minimalRequest: ChatRequest = {
  model: 'gpt',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};

/** A request that sets every canonical field. */
const everyFieldRequest: ChatRequest = {
  model: 'smart',
  messages: [
    { role: 'system', content: 'You are terse.' },
    {
      role: 'user',
      name: 'ada',
      content: [
        { type: 'text', text: 'What is in this image, and what is the weather there?' },
        { type: 'image', url: 'https://example.com/harbour.png', detail: 'low' },
        { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
      ],
    },
    {
      role: 'assistant',
      content: [],
      reasoning: 'The image shows Copenhagen; I need the weather.',
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Copenhagen"}' }],
    },
    { role: 'tool', toolCallId: 'call_1', content: '{"temperature":14}' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'A harbour; ' },
        { type: 'text', text: '14 °C.' },
      ],
    },
    { role: 'assistant', content: [], refusal: 'I cannot help with that.' },
    { role: 'user', content: [{ type: 'text', text: 'Answer as JSON.' }] },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      strict: true,
    },
    { name: 'get_time', parameters: { type: 'object', properties: {} } },
  ],
  toolChoice: { mode: 'tool', toolName: 'get_weather' },
  parallelToolCalls: false,
  responseFormat: {
    type: 'json_schema',
    name: 'answer',
    description: 'The answer',
    schema: { type: 'object', properties: { text: { type: 'string' } } },
    strict: true,
  },
  sampling: { temperature: 0.2, topP: 0.9, topK: 40, maxTokens: 256, presencePenalty: 0.1, frequencyPenalty: 0.3, n: 2 },
  stop: ['\n\n', 'END'],
  seed: 7,
  user: 'user-42',
  metadata: { tenant: 'acme' },
  stream: true,
  includeUsage: false,
  reasoning: { effort: 'low', budgetTokens: 1024 },
};

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

describe('createOpenAIAdapter: what is sent', () => {
  it('sends every canonical field in Chat Completions form (request body snapshot)', async () => {
    const { adapter, http, sentBody } = adapterFor({
      body: readFileSync(path.join(OPENAI_PYTHON, 'e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin')),
    });
    await collect(await adapter.stream('gpt-4o-2024-08-06', everyFieldRequest, context()));

    expect(http.sent[0]).toMatchObject({ method: 'POST', url: 'https://api.openai.com/v1/chat/completions', timeoutMs: 600_000 });
    expect(sentBody()).toEqual({
      model: 'gpt-4o-2024-08-06',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          name: 'ada',
          content: [
            { type: 'text', text: 'What is in this image, and what is the weather there?' },
            { type: 'image_url', image_url: { url: 'https://example.com/harbour.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Copenhagen"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":14}' },
        { role: 'assistant', content: 'A harbour; 14 °C.' },
        { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
        { role: 'user', content: 'Answer as JSON.' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather of a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
            strict: true,
          },
        },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          description: 'The answer',
          schema: { type: 'object', properties: { text: { type: 'string' } } },
          strict: true,
        },
      },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 256,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      n: 2,
      stop: ['\n\n', 'END'],
      seed: 7,
      user: 'user-42',
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('sends the limit as max_completion_tokens to OpenAI reasoning models, which reject max_tokens', async () => {
    const rejection = JSON.parse(readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/reasoning-model-legacy-parameter-error.json'), 'utf8'));
    expect(rejection.error.param).toBe('max_tokens');
    for (const model of ['o3-mini', 'o1', 'gpt-5-nano-2025-08-07']) {
      const { adapter, sentBody } = adapterFor({ body: readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/openai-text.json')) });
      await adapter.complete(model, { ...minimalRequest, sampling: { maxTokens: 100 } }, context());
      expect(sentBody()).toMatchObject({ max_completion_tokens: 100 });
      expect(sentBody()).not.toHaveProperty('max_tokens');
    }
  });

  it('sends a plain text user message as a string, response formats, tool choices, and no stream fields when not streaming', async () => {
    const { adapter, sentBody } = adapterFor({ body: readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/openai-text.json')) });
    await adapter.complete(
      'gpt-4.1-nano',
      { ...minimalRequest, responseFormat: { type: 'json_object' }, toolChoice: { mode: 'required' } },
      context(),
    );
    expect(sentBody()).toEqual({
      model: 'gpt-4.1-nano',
      messages: [{ role: 'user', content: 'Hello' }],
      response_format: { type: 'json_object' },
      tool_choice: 'required',
    });
  });

  it('sends Authorization only with an API key, the configured headers, and honours a base URL with a trailing slash', async () => {
    const withKey = adapterFor({ body: readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/openai-text.json')) });
    await withKey.adapter.complete('gpt', minimalRequest, context());
    expect(withKey.http.sent[0].headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer sk-test',
      'openai-organization': 'org-123',
    });

    const keyless = adapterFor(
      { body: readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/openai-text.json')) },
      { baseUrl: 'http://127.0.0.1:11434/v1/', timeoutMs: 5000 },
      null,
    );
    await keyless.adapter.complete('llama3.2', minimalRequest, context());
    expect(keyless.http.sent[0].headers).not.toHaveProperty('authorization');
    expect(keyless.http.sent[0]).toMatchObject({ url: 'http://127.0.0.1:11434/v1/chat/completions', timeoutMs: 5000 });
  });
});

describe('createOpenAIAdapter: what is answered', () => {
  it('reads the recorded OpenAI text response', async () => {
    const { adapter } = adapterFor({ body: readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/openai-text.json')) });
    const response = await adapter.complete('gpt-4.1-nano', minimalRequest, context());
    expect(response).toMatchObject({
      id: 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU',
      model: 'gpt-4.1-nano-2025-04-14',
      created: 1770933883,
      systemFingerprint: 'fp_de604bd877',
      usage: { inputTokens: 16, outputTokens: 363, cachedInputTokens: 0, reasoningTokens: 0 },
    });
    expect(response.choices).toHaveLength(1);
    expect(response.choices[0]).toMatchObject({ index: 0, finishReason: 'stop' });
    expect(response.choices[0].message.content).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day {2}\n\n/);
    expect(response.choices[0].message.content).toMatch(/inspiring individuals to look up and dream beyond our world\.$/);
    expect(response.choices[0].message).not.toHaveProperty('refusal');
    expect(response.choices[0].message).not.toHaveProperty('toolCalls');
  });

  it('reads DeepSeek reasoning_content from a whole response', async () => {
    const { adapter } = adapterFor({ body: readFileSync(path.join(VERCEL, 'deepseek/src/chat/__fixtures__/deepseek-reasoning.json')) });
    const response = await adapter.complete('deepseek-reasoner', minimalRequest, context());
    expect(response.choices[0].message.content).toBe(
      'The word "strawberry" contains three instances of the letter "r": one after the "t" and two before the "y".',
    );
    expect(response.choices[0].message.reasoning).toMatch(/^We are asked: "How many 'r's are in the word 'strawberry'\?"/);
    expect(response.usage).toEqual({ inputTokens: 18, outputTokens: 345, cachedInputTokens: 0, reasoningTokens: 315 });
  });

  it('reads a tool call from a whole response', async () => {
    const { adapter } = adapterFor({ body: readFileSync(path.join(VERCEL, 'openai-compatible/src/chat/__fixtures__/xai-tool-call.json')) });
    const response = await adapter.complete('grok-3-mini', minimalRequest, context());
    expect(response.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: { content: '', toolCalls: [{ id: 'call_46427107', name: 'weather', arguments: '{"location":"San Francisco"}' }] },
    });
    // total_tokens 588 = 307 prompt + 26 completion + 255 reasoning.
    expect(response.usage).toEqual({ inputTokens: 307, outputTokens: 281, cachedInputTokens: 244, reasoningTokens: 255 });
  });

  it("reads Mistral's array content into text and reasoning", async () => {
    const { adapter } = adapterFor({ body: readFileSync(path.join(VERCEL, 'mistral/src/__fixtures__/mistral-reasoning.json')) });
    const response = await adapter.complete('magistral-medium-2507', minimalRequest, context());
    expect(response.choices[0].message).toEqual({ content: '2 + 2 = 4', reasoning: 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.' });
  });

  it('streams a recorded tool call', async () => {
    const { adapter } = adapterFor({
      body: readFileSync(path.join(OPENAI_PYTHON, '2018feb66ae13fcf5333d61b95849decc68d3f63bd38172889367e1afb1e04f7.bin')),
    });
    const parts = await collect(await adapter.stream('gpt-4o', minimalRequest, context()));
    expect(parts.find((part) => part.type === 'tool-call-start')).toEqual({
      type: 'tool-call-start',
      choice: 0,
      index: 0,
      id: 'call_4XzlGBLtUe9dy3GVNV4jhq7h',
      name: 'get_weather',
    });
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 44, outputTokens: 16, reasoningTokens: 0 } },
    ]);
  });

  it('throws a bad-response error for a 200 body that is not a chat completion', async () => {
    const { adapter } = adapterFor({ body: '<html>502 Bad Gateway</html>' });
    await expect(adapter.complete('gpt', minimalRequest, context())).rejects.toMatchObject({ status: 502, code: 'upstream_bad_response' });
    const shapeless = adapterFor({ body: '{"id":"x","choices":"none"}' });
    await expect(shapeless.adapter.complete('gpt', minimalRequest, context())).rejects.toThrow(/choices: /);
  });
});

describe('createOpenAIAdapter: error answers', () => {
  const openAIError = (message: string, type: string, param: string | null, code: string | null) =>
    JSON.stringify({ error: { message, type, param, code } });

  it('keeps 429 with its Retry-After, retryable', async () => {
    const { adapter } = adapterFor({
      status: 429,
      headers: { 'retry-after': '20' },
      body: openAIError(
        'Rate limit reached for gpt-4o in organization org-123 on requests per min (RPM): Limit 500, Used 500, Requested 1.',
        'requests',
        null,
        'rate_limit_exceeded',
      ),
    });
    const error = await adapter.complete('gpt-4o', minimalRequest, context()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, errorClass: 'rate_limited', retryAfter: '20', retryable: true, upstreamStatus: 429 });
    expect((error as Error).message).toContain('Rate limit reached for gpt-4o');
  });

  it('keeps 404 model_not_found with its code and message', async () => {
    const { adapter } = adapterFor({
      status: 404,
      body: openAIError(
        'The model `does-not-exist` does not exist or you do not have access to it.',
        'invalid_request_error',
        null,
        'model_not_found',
      ),
    });
    const error = await adapter.complete('does-not-exist', minimalRequest, context()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, errorClass: 'not_found', code: 'model_not_found', retryable: false });
    expect((error as ProviderError).message).toBe('openai returned 404: The model `does-not-exist` does not exist or you do not have access to it.');
  });

  it('passes a 400 through with the upstream code and param (recorded reasoning-model rejection)', async () => {
    const { adapter } = adapterFor({
      status: 400,
      body: readFileSync(path.join(VERCEL, 'openai/src/chat/__fixtures__/reasoning-model-legacy-parameter-error.json')),
    });
    const error = await adapter.complete('gpt-4o', minimalRequest, context()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, errorClass: 'invalid_request', code: 'unsupported_parameter', param: 'max_tokens', retryable: false });
    expect((error as Error).message).toContain("Unsupported parameter: 'max_tokens' is not supported with this model.");
  });

  it('turns a 500 into a retryable 502 that names the upstream status', async () => {
    const { adapter } = adapterFor({
      status: 500,
      body: openAIError('The server had an error while processing your request. Sorry about that!', 'server_error', null, null),
    });
    const error = await adapter.complete('gpt-4o', minimalRequest, context()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, errorClass: 'upstream', code: 'upstream_500', upstreamStatus: 500, retryable: true });
  });

  it('rejects stream() itself, before any part, on an error status', async () => {
    const { adapter } = adapterFor({ status: 503, headers: { 'retry-after-ms': '1500' }, body: '<html>Service Unavailable</html>' });
    const error = await adapter.stream('gpt-4o', minimalRequest, context()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, code: 'upstream_503', retryable: true });
    expect((error as Error).message).toBe('openai returned 503: <html>Service Unavailable</html>');
  });

  it("reads vLLM's top-level error body and Ollama's string error", async () => {
    const vllm = adapterFor({
      status: 404,
      body: '{"object":"error","message":"The model `llama` does not exist.","type":"NotFoundError","param":null,"code":404}',
    });
    await expect(vllm.adapter.complete('llama', minimalRequest, context())).rejects.toMatchObject({
      status: 404,
      code: 'upstream_rejected_request',
      message: 'openai returned 404: The model `llama` does not exist.',
    });
    const ollama = adapterFor({ status: 400, body: '{"error":"invalid model name"}' });
    await expect(ollama.adapter.complete('x', minimalRequest, context())).rejects.toMatchObject({
      status: 400,
      message: 'openai returned 400: invalid model name',
    });
  });

  it('throws an error object sent with status 200', async () => {
    const { adapter } = adapterFor({ body: '{"error":{"message":"Provider returned error","code":502}}' });
    await expect(adapter.complete('gpt', minimalRequest, context())).rejects.toMatchObject({ status: 502, upstreamStatus: 502, retryable: true });
  });
});

describe('createOpenAIAdapter: embeddings', () => {
  it('sends the input and reads vectors in index order', async () => {
    const { adapter, http, sentBody } = adapterFor({
      body: JSON.stringify({
        object: 'list',
        data: [
          { object: 'embedding', index: 1, embedding: [0.5, -0.25] },
          { object: 'embedding', index: 0, embedding: [0.125, 1] },
        ],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 6, total_tokens: 6 },
      }),
    });
    const response = await adapter.embed!(
      'text-embedding-3-small',
      { model: 'embed', input: ['first', 'second'], dimensions: 2, user: 'u' },
      context(),
    );
    expect(http.sent[0].url).toBe('https://api.openai.com/v1/embeddings');
    expect(sentBody()).toEqual({ model: 'text-embedding-3-small', input: ['first', 'second'], dimensions: 2, user: 'u' });
    expect(response).toEqual({
      model: 'text-embedding-3-small',
      data: [
        { index: 0, vector: [0.125, 1] },
        { index: 1, vector: [0.5, -0.25] },
      ],
      usage: { inputTokens: 6, outputTokens: 0 },
    });
  });
});
