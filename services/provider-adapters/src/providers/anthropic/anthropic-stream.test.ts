import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError, type StreamPart } from '@switchyard/shared';
import { parseServerSentEvents } from '../../http/sse-parser';
import { AnthropicStreamTransformer } from './anthropic-stream';

const PROVIDER_RESPONSES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses');
const sdkStream = (name: string) => path.join(PROVIDER_RESPONSES, 'anthropic-sdk-python/tests/lib/streaming/fixtures', name);
const vercel = (name: string) => path.join(PROVIDER_RESPONSES, 'vercel-ai/packages/anthropic/src/__fixtures__', name);

const CREATED = 1_767_225_600;

/** The `data` payloads of a recording: raw SSE, or one JSON event a line for `*.chunks.txt`. */
async function payloads(file: string): Promise<string[]> {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.chunks.txt')) return text.split('\n').filter((line) => line.trim() !== '');
  const data: string[] = [];
  const body = (async function* () {
    yield text;
  })();
  for await (const event of parseServerSentEvents(body)) data.push(event.data);
  return data;
}

function transform(data: string[]): StreamPart[] {
  const transformer = new AnthropicStreamTransformer('anthropic', () => CREATED);
  return [...data.flatMap((payload) => transformer.push(payload)), ...transformer.end()];
}

async function replay(file: string): Promise<StreamPart[]> {
  return transform(await payloads(file));
}

function failure(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

const text = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
const reasoning = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.text] : [])).join('');
const toolArguments = (parts: StreamPart[], index: number) =>
  parts.flatMap((part) => (part.type === 'tool-call-delta' && part.index === index ? [part.argumentsDelta] : [])).join('');

describe('AnthropicStreamTransformer on recorded streams', () => {
  it('basic_response.txt: every part, in order', async () => {
    expect(await replay(sdkStream('basic_response.txt'))).toEqual([
      { type: 'response-start', id: 'msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK', model: 'claude-3-opus-latest', created: CREATED },
      { type: 'text-delta', choice: 0, text: 'Hello' },
      { type: 'text-delta', choice: 0, text: ' there' },
      { type: 'text-delta', choice: 0, text: '!' },
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 11, outputTokens: 6 } },
    ]);
  });

  it('tool_use_response.txt: text, then one tool call whose arguments arrive in pieces', async () => {
    const parts = await replay(sdkStream('tool_use_response.txt'));
    expect(text(parts)).toBe("I'll check the current weather in Paris for you.");
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather' },
    ]);
    // The empty first input_json_delta is not passed on.
    expect(parts.filter((part) => part.type === 'tool-call-delta').map((part) => part.type === 'tool-call-delta' && part.argumentsDelta)).toEqual([
      '{"locati',
      'on": "P',
      'ar',
      'is"}',
    ]);
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 377, outputTokens: 65, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('anthropic-text.chunks.txt: text and the cumulative usage of message_delta', async () => {
    const parts = await replay(vercel('anthropic-text.chunks.txt'));
    expect(parts[0]).toEqual({ type: 'response-start', id: 'msg_01QC4g3HwBThD4BaNtBckFDJ', model: 'claude-sonnet-4-5-20250929', created: CREATED });
    expect(text(parts)).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 30, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('anthropic-clear-thinking.1.chunks.txt: thinking deltas become reasoning, closed by the recorded signature', async () => {
    const parts = await replay(vercel('anthropic-clear-thinking.1.chunks.txt'));
    expect(reasoning(parts)).toBe('The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
    expect(text(parts)).toBe('925 ÷ 5 = 185');
    const signatureAt = parts.findIndex((part) => part.type === 'reasoning-signature');
    expect(parts[signatureAt]).toEqual({ type: 'reasoning-signature', choice: 0, signature: expect.stringMatching(/^EvQBCkYICxgCKkAxhD4N.*BgB$/) });
    expect(parts.filter((part) => part.type === 'reasoning-signature')).toHaveLength(1);
    expect(parts.findLastIndex((part) => part.type === 'reasoning-delta')).toBeLessThan(signatureAt);
    expect(signatureAt).toBeLessThan(parts.findIndex((part) => part.type === 'text-delta'));
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 69, outputTokens: 53, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('anthropic-json-tool.1.chunks.txt: input_json_delta pieces join into the recorded arguments', async () => {
    const parts = await replay(vercel('anthropic-json-tool.1.chunks.txt'));
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', name: 'json' },
    ]);
    expect(toolArguments(parts, 0)).toBe('{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 849, outputTokens: 47, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('anthropic-tool-no-args.chunks.txt: a call without arguments gets {}', async () => {
    const parts = await replay(vercel('anthropic-tool-no-args.chunks.txt'));
    expect(parts.find((part) => part.type === 'tool-call-start')).toMatchObject({ index: 0, name: 'updateIssueList' });
    expect(toolArguments(parts, 0)).toBe('{}');
  });

  it('anthropic-message-delta-input-tokens.chunks.txt: message_delta counts replace message_start counts', async () => {
    const parts = await replay(vercel('anthropic-message-delta-input-tokens.chunks.txt'));
    expect(text(parts)).toBe('pong');
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 61, outputTokens: 2 } });
  });

  it('a server-tool stream: server tool blocks and their input are skipped, cache reads and writes are counted', async () => {
    const parts = await replay(vercel('anthropic-code-execution-20260120-prompt-cache.1.chunks.txt'));
    expect(parts.some((part) => part.type === 'tool-call-start' || part.type === 'tool-call-delta')).toBe(false);
    expect(parts.at(-2)).toEqual({ type: 'finish', choice: 0, finishReason: 'stop' });
    // input 6 + cache read 6289 + cache write 3337, from the final message_delta.
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { inputTokens: 9632, outputTokens: 198, cachedInputTokens: 6289, cacheWriteTokens: 3337, reasoningTokens: 0 },
    });
  });

  it('anthropic-refusal.chunks.txt: the explanation as a refusal, then content_filter', async () => {
    const parts = await replay(vercel('anthropic-refusal.chunks.txt'));
    expect(parts.slice(1)).toEqual([
      {
        type: 'refusal-delta',
        choice: 0,
        text: "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
      },
      { type: 'finish', choice: 0, finishReason: 'content_filter' },
      { type: 'usage', usage: { inputTokens: 18, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('incomplete_partial_json_response.txt: a max_tokens stop is a length finish', async () => {
    const parts = await replay(sdkStream('incomplete_partial_json_response.txt'));
    expect(parts.find((part) => part.type === 'tool-call-start')).toMatchObject({ name: 'make_file' });
    expect(parts.at(-2)).toEqual({ type: 'finish', choice: 0, finishReason: 'length' });
  });

  it('fallback_response.txt: an unknown block type is skipped', async () => {
    const parts = await replay(sdkStream('fallback_response.txt'));
    expect(text(parts)).toBe('Hello there!');
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 25, outputTokens: 8 } });
  });

  it('duplicate-message-start.chunks.txt: a repeated message_start is ignored', async () => {
    const parts = await replay(vercel('duplicate-message-start.chunks.txt'));
    expect(parts.filter((part) => part.type === 'response-start')).toHaveLength(1);
    expect(text(parts)).toBe('Hello, World!');
  });

  it('anthropic-tool-search-regex.1.chunks.txt: a server tool is skipped, the client tool call counts from 0, and what follows message_stop is ignored', async () => {
    const parts = await replay(vercel('anthropic-tool-search-regex.1.chunks.txt'));
    expect(text(parts)).toBe('Great! I found a weather tool. Let me get the current weather data for San Francisco.');
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_01UmPwkecewaEpMupy2ywk8b', name: 'get_temp_data' },
    ]);
    expect(toolArguments(parts, 0)).toBe('{"location": "San Francisco, CA"}');
    expect(parts.filter((part) => part.type === 'response-start')).toEqual([
      { type: 'response-start', id: 'msg_01A4vjL51mNRof8JMvA9CFph', model: 'claude-sonnet-4-5-20250929', created: CREATED },
    ]);
    expect(parts.filter((part) => part.type === 'finish')).toEqual([{ type: 'finish', choice: 0, finishReason: 'tool_calls' }]);
    expect(parts.filter((part) => part.type === 'usage')).toHaveLength(1);
    expect(parts.at(-1)?.type).toBe('usage');
  });

  it('spliced-message-start.chunks.txt: a second message inside the open one is a bad response', async () => {
    const data = await payloads(vercel('spliced-message-start.chunks.txt'));
    const transformer = new AnthropicStreamTransformer('anthropic', () => CREATED);
    const parts: StreamPart[] = [];
    const error = failure(() => data.forEach((payload) => parts.push(...transformer.push(payload))));
    expect(error).toMatchObject({ status: 502, code: 'upstream_bad_response' });
    expect(error.message).toContain('msg_second');
    expect(parts.filter((part) => part.type === 'finish')).toEqual([]);
  });
});

describe('AnthropicStreamTransformer on errors', () => {
  const start = '{"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":1}}}';

  function afterStart(payload: string): ProviderError {
    const transformer = new AnthropicStreamTransformer('anthropic', () => CREATED);
    transformer.push(start);
    return failure(() => transformer.push(payload));
  }

  it('an overloaded_error event is a retryable 429', () => {
    const error = afterStart('{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}');
    expect(error).toMatchObject({ status: 429, errorClass: 'rate_limited', code: 'upstream_overloaded', retryable: true });
    expect(error.message).toBe('anthropic sent an error mid-stream: Overloaded (overloaded_error)');
  });

  it('a rate_limit_error event is a retryable 429', () => {
    expect(afterStart('{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}')).toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      retryable: true,
    });
  });

  it('an api_error event is a 502', () => {
    expect(afterStart('{"type":"error","error":{"type":"api_error","message":"Internal server error"}}')).toMatchObject({
      status: 502,
      code: 'upstream_stream_error',
      retryable: true,
    });
  });

  it.each([
    ['text that is not JSON', '{"type":"content_block_delta","index":0,"delta":{"type":"text_de'],
    ['JSON null', 'null'],
    ['a known event with a wrong field', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":7}}'],
    ['a known event without its index', '{"type":"content_block_stop"}'],
    ['an event without a type', '{"index":0}'],
  ])('%s is a bad response, not a TypeError', (_case, payload) => {
    expect(afterStart(payload)).toMatchObject({ status: 502, code: 'upstream_bad_response', retryable: false });
  });

  it('a redacted thinking block becomes one redacted-reasoning part; signatures split over deltas are joined', () => {
    const transformer = new AnthropicStreamTransformer('anthropic', () => CREATED);
    const events = [
      { type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'Hmm.' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'abc' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'def' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ];
    const parts = events.flatMap((event) => transformer.push(JSON.stringify(event)));
    expect(parts.slice(1, 4)).toEqual([
      { type: 'redacted-reasoning', choice: 0, data: 'EmwKAhgBEgy3va3pzix' },
      { type: 'reasoning-delta', choice: 0, text: 'Hmm.' },
      { type: 'reasoning-signature', choice: 0, signature: 'abcdef' },
    ]);
  });

  it('a signature_delta outside a thinking block is a bad response', () => {
    const transformer = new AnthropicStreamTransformer('anthropic', () => CREATED);
    transformer.push(JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: {} } }));
    transformer.push(JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    expect(() =>
      transformer.push(JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'x' } })),
    ).toThrow(ProviderError);
  });

  it('an unknown event type is skipped', () => {
    const transformer = new AnthropicStreamTransformer('anthropic', () => CREATED);
    transformer.push(start);
    expect(transformer.push('{"type":"content_block_annotation","index":0,"note":{}}')).toEqual([]);
  });

  it('content before message_start is a bad response', () => {
    const transformer = new AnthropicStreamTransformer('anthropic');
    expect(failure(() => transformer.push('{"type":"content_block_stop","index":0}')).message).toContain('before message_start');
  });

  it('a stream that ends before its stop reason is a bad response', () => {
    const transformer = new AnthropicStreamTransformer('anthropic');
    expect(failure(() => transformer.end()).message).toContain('ended before any event');
    transformer.push(start);
    expect(failure(() => transformer.end()).message).toContain('ended before the message was complete');
  });
});
