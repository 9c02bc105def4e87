import type { CallContext, ChatRequest, StreamPart } from '@switchyard/shared';
import { ProviderError } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import type { ProviderAdapter } from '../provider-adapter';
import { createAnthropicAdapter } from './anthropic-adapter';
import {
  ANTHROPIC_SDK_STREAMS,
  anthropicFixture,
  startMockAnthropicUpstream,
  VERCEL_ANTHROPIC_FIXTURES,
  type MockAnthropicUpstream,
} from '../../../../../test/support/mock-anthropic-upstream';

const sdkStream = (name: string) => anthropicFixture(`${ANTHROPIC_SDK_STREAMS}/${name}`);
const vercel = (name: string) => anthropicFixture(`${VERCEL_ANTHROPIC_FIXTURES}/${name}`);

const request: ChatRequest = {
  model: 'claude',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: true,
};

let mock: MockAnthropicUpstream;
let http: UpstreamClient;
let adapter: ProviderAdapter;

beforeAll(async () => {
  mock = await startMockAnthropicUpstream();
  http = new UpstreamClient();
  adapter = createAnthropicAdapter({
    id: 'anthropic',
    config: { kind: 'anthropic', baseUrl: mock.baseUrl, models: ['*'], timeoutMs: 5_000, headers: {}, prices: {}, dropUnsupportedParams: false },
    apiKey: 'sk-ant-test',
    headers: { 'x-team': 'switchyard' },
    http,
    env: {},
  });
});

afterAll(async () => {
  await http.close();
  await mock.close();
});

function context(signal = new AbortController().signal): CallContext {
  return { requestId: 'request-1', signal };
}

async function collect(parts: AsyncIterable<StreamPart>, into: StreamPart[] = []): Promise<StreamPart[]> {
  for await (const part of parts) into.push(part);
  return into;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('streaming over a real socket', () => {
  it('replays basic_response.txt byte for byte and sends the Anthropic headers', async () => {
    mock.enqueue({ kind: 'stream-fixture', file: sdkStream('basic_response.txt') });
    const parts = await collect(await adapter.stream('claude-3-opus-latest', { ...request, stream: true }, context()));

    expect(parts).toEqual([
      { type: 'response-start', id: 'msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK', model: 'claude-3-opus-latest', created: expect.any(Number) },
      { type: 'text-delta', choice: 0, text: 'Hello' },
      { type: 'text-delta', choice: 0, text: ' there' },
      { type: 'text-delta', choice: 0, text: '!' },
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 11, outputTokens: 6 } },
    ]);
    const sent = mock.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers).toMatchObject({
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      'x-team': 'switchyard',
    });
    expect(sent.body).toEqual({
      model: 'claude-3-opus-latest',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      stream: true,
    });
  });

  it('replays tool_use_response.txt into a tool call with its streamed arguments', async () => {
    mock.enqueue({ kind: 'stream-fixture', file: sdkStream('tool_use_response.txt') });
    const parts = await collect(await adapter.stream('claude-sonnet-4-20250514', request, context()));

    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    const argumentsText = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : [])).join('');
    expect(text).toBe("I'll check the current weather in Paris for you.");
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather' },
    ]);
    expect(argumentsText).toBe('{"location": "Paris"}');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 377, outputTokens: 65, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('replays vercel anthropic-text.chunks.txt framed as SSE', async () => {
    mock.enqueue({ kind: 'stream-fixture', file: vercel('anthropic-text.chunks.txt') });
    const parts = await collect(await adapter.stream('claude-sonnet-4-5', request, context()));

    expect(parts[0]).toMatchObject({ type: 'response-start', id: 'msg_01QC4g3HwBThD4BaNtBckFDJ', model: 'claude-sonnet-4-5-20250929' });
    expect(parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('')).toBe(
      "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
    );
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 30, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('rejects the stream() promise itself on an error answer', async () => {
    mock.enqueue({
      kind: 'error',
      status: 429,
      headers: { 'retry-after': '17' },
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } },
    });
    const error = await failure(adapter.stream('claude', request, context()));
    expect(error).toMatchObject({ status: 429, retryAfter: '17', retryable: true, upstreamStatus: 429 });
  });

  it('throws the error event sent in the middle of a stream, after the parts before it', async () => {
    mock.enqueue({
      kind: 'stream-fixture',
      file: sdkStream('basic_response.txt'),
      eventLimit: 4,
      append: 'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
    });
    const parts: StreamPart[] = [];
    const error = await failure(collect(await adapter.stream('claude', request, context()), parts));

    expect(parts.map((part) => part.type)).toEqual(['response-start', 'text-delta']);
    expect(error).toMatchObject({ status: 429, code: 'upstream_overloaded', retryable: true });
    expect(error.message).toContain('Overloaded');
  });

  it('turns a garbage chunk into a bad-response error', async () => {
    mock.enqueue({
      kind: 'stream-fixture',
      file: sdkStream('basic_response.txt'),
      eventLimit: 4,
      append: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n',
    });
    const error = await failure(collect(await adapter.stream('claude', request, context())));
    expect(error).toMatchObject({ status: 502, code: 'upstream_bad_response', retryable: false });
  });

  it('reports a stream that ends before message_stop', async () => {
    mock.enqueue({ kind: 'stream-fixture', file: vercel('anthropic-text.chunks.txt'), eventLimit: 5 });
    const error = await failure(collect(await adapter.stream('claude', request, context())));
    expect(error).toMatchObject({ code: 'upstream_bad_response' });
    expect(error.message).toContain('ended before the message was complete');
  });

  it('translates a connection reset while reading the body', async () => {
    mock.enqueue({ kind: 'stream-fixture', file: vercel('anthropic-text.chunks.txt'), eventLimit: 5, abort: true });
    const error = await failure(collect(await adapter.stream('claude', request, context())));
    expect(error).toMatchObject({ status: 502, code: 'upstream_unreachable', retryable: true });
  });

  it('ends with a timeout when the stream outlives the provider deadline', async () => {
    const impatient = createAnthropicAdapter({
      id: 'anthropic',
      config: { kind: 'anthropic', baseUrl: mock.baseUrl, models: ['*'], timeoutMs: 300, headers: {}, prices: {}, dropUnsupportedParams: false },
      apiKey: 'sk-ant-test',
      headers: {},
      http,
      env: {},
    });
    mock.enqueue({ kind: 'stream-fixture', file: vercel('anthropic-text.chunks.txt'), eventDelayMs: 100 });
    const parts: StreamPart[] = [];
    const error = await failure(collect(await impatient.stream('claude', request, context()), parts));
    expect(parts[0]).toMatchObject({ type: 'response-start' });
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout', retryable: true });
  });

  it('ends with a cancelled error when the client goes away mid-stream', async () => {
    mock.enqueue({ kind: 'stream-fixture', file: vercel('anthropic-text.chunks.txt'), eventDelayMs: 50 });
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    const stream = await adapter.stream('claude', request, context(controller.signal));
    const error = await collect(
      {
        async *[Symbol.asyncIterator]() {
          for await (const part of stream) {
            yield part;
            if (part.type === 'text-delta') controller.abort();
          }
        },
      },
      parts,
    ).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(1);
    expect(error).toMatchObject({ status: 499, code: 'client_closed_request' });
  });
});

describe('complete over a real socket', () => {
  it('reads anthropic-text.json', async () => {
    mock.enqueue({ kind: 'json-fixture', file: vercel('anthropic-text.json') });
    const response = await adapter.complete('claude-sonnet-4-5', request, context());

    expect(response).toEqual({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      model: 'claude-sonnet-4-5-20250929',
      created: expect.any(Number),
      choices: [
        {
          index: 0,
          message: { content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?" },
          finishReason: 'stop',
        },
      ],
      usage: { inputTokens: 12, outputTokens: 29, cachedInputTokens: 0, cacheWriteTokens: 0 },
    });
    expect(mock.requests.at(-1)!.body.stream).toBeUndefined();
  });

  it('reads the tool call of anthropic-json-tool.1.json', async () => {
    mock.enqueue({ kind: 'json-fixture', file: vercel('anthropic-json-tool.1.json') });
    const response = await adapter.complete('claude-haiku-4-5', request, context());
    const [choice] = response.choices;

    expect(choice.finishReason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.toolCalls).toHaveLength(1);
    expect(choice.message.toolCalls![0]).toMatchObject({ id: 'toolu_01Q9ExVZnzZj7E2QQYHYtNUa', name: 'json' });
    expect(JSON.parse(choice.message.toolCalls![0].arguments)).toEqual({
      elements: [
        { location: 'San Francisco', temperature: -5, condition: 'snowy' },
        { location: 'London', temperature: 0, condition: 'snowy' },
        { location: 'Paris', temperature: 23, condition: 'cloudy' },
        { location: 'Berlin', temperature: -9, condition: 'snowy' },
      ],
    });
    expect(response.usage).toEqual({ inputTokens: 1151, outputTokens: 87, cachedInputTokens: 0, cacheWriteTokens: 0 });
  });

  it('maps 400 invalid_request_error to a 400 with the provider message', async () => {
    mock.enqueue({
      kind: 'error',
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } },
    });
    const error = await failure(adapter.complete('claude', request, context()));
    expect(error).toMatchObject({ status: 400, errorClass: 'invalid_request', retryable: false, upstreamStatus: 400 });
    expect(error.message).toBe('anthropic returned 400: max_tokens: Field required (invalid_request_error)');
  });

  it('maps 529 overloaded to a retryable 502', async () => {
    mock.enqueue({ kind: 'error', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const error = await failure(adapter.complete('claude', request, context()));
    expect(error).toMatchObject({ status: 502, errorClass: 'upstream', retryable: true, upstreamStatus: 529, code: 'upstream_529' });
  });
});
