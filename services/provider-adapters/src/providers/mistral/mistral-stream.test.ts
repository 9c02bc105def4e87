import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StreamPart } from '@switchyard/shared';
import { MistralStreamTransformer } from './mistral-stream';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/mistral/src/__fixtures__');

function chunks(file: string): string[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function run(lines: string[]): StreamPart[] {
  const transformer = new MistralStreamTransformer('mistral', 'mistral-small', () => 1);
  return [...lines.flatMap((line) => [...transformer.push(line)]), ...transformer.end()];
}

const text = (parts: StreamPart[], type: 'text-delta' | 'reasoning-delta') => parts.map((part) => (part.type === type ? part.text : '')).join('');

describe('MistralStreamTransformer', () => {
  it('turns a text stream into a start, text deltas, a finish and usage last', () => {
    const parts = run([...chunks('mistral-text.chunks.txt'), '[DONE]']);
    expect(parts[0]).toEqual({ type: 'response-start', id: '5319bd0299614c679a0068a4f2c8ffd0', model: 'mistral-small-latest', created: 1769088720 });
    expect(text(parts, 'text-delta')).toBe('Hello, world! This is a test response.');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 13, outputTokens: 8 } },
    ]);
  });

  it('reads thinking chunks as reasoning and text chunks as text', () => {
    const parts = run(chunks('mistral-reasoning.chunks.txt'));
    expect(text(parts, 'reasoning-delta')).toBe('The user is asking for 2+2. This is basic arithmetic. 2+2=4.');
    expect(text(parts, 'text-delta')).toBe('2 + 2 = 4');
  });

  it('closes a reasoning block with the signature a thinking chunk carries', () => {
    const parts = run([
      '{"id":"a","model":"magistral","choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"hmm"}],"signature":"sig-1"}]}}]}',
      '{"id":"a","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}',
    ]);
    expect(parts.slice(1, 3)).toEqual([
      { type: 'reasoning-delta', choice: 0, text: 'hmm' },
      { type: 'reasoning-signature', choice: 0, signature: 'sig-1' },
    ]);
  });

  it('reads a whole tool call sent without an index, and cached tokens', () => {
    const parts = run(chunks('mistral-tool-call.chunks.txt'));
    expect(parts.filter((part) => part.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'gSIMJiOkT', name: 'weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"location": "San Francisco"}' },
    ]);
    const incremental = run(chunks('mistral-incremental-tool-call.chunks.txt'));
    expect(incremental.filter((part) => part.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'chatcmpl-tool-9f149c74c42f265b', name: 'webSearchTool' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"query": "current Berlin weather"}' },
    ]);
    expect(incremental.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 171, outputTokens: 14, cachedInputTokens: 128 } });
  });

  it('starts a new call for each new id without an index, and continues the last one without an id', () => {
    const parts = run([
      '{"id":"a","choices":[{"index":0,"delta":{"tool_calls":[{"id":"aaaaaaaaa","function":{"name":"one","arguments":"{\\"a\\":"}},{"id":"bbbbbbbbb","function":{"name":"two","arguments":{"b":2}}}]}}]}',
      '{"id":"a","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"","arguments":"1}"}}]},"finish_reason":"tool_calls"}]}',
    ]);
    expect(parts.filter((part) => part.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'aaaaaaaaa', name: 'one' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"a":' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'bbbbbbbbb', name: 'two' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{"b":2}' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '1}' },
    ]);
  });

  it('throws an error object sent in place of a chunk', () => {
    const transformer = new MistralStreamTransformer('mistral', 'm');
    expect(() => transformer.push('{"object":"error","message":"Service unavailable","type":"internal_error"}')).toThrow(
      expect.objectContaining({ status: 502, retryable: true, message: expect.stringContaining('Service unavailable') }),
    );
  });

  it('throws a bad response for chunks that cannot be read and for a stream that never finished', () => {
    const bad = expect.objectContaining({ code: 'upstream_bad_response' });
    expect(() => new MistralStreamTransformer('mistral', 'm').push('{oops')).toThrow(bad);
    expect(() => new MistralStreamTransformer('mistral', 'm').push('{"choices":"no"}')).toThrow(bad);
    expect(() =>
      new MistralStreamTransformer('mistral', 'm').push('{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]}'),
    ).toThrow(bad);
    const unfinished = new MistralStreamTransformer('mistral', 'm');
    unfinished.push(chunks('mistral-text.chunks.txt')[0]);
    expect(() => unfinished.end()).toThrow(expect.objectContaining({ message: expect.stringContaining('before a finish_reason') }));
    expect(() => new MistralStreamTransformer('mistral', 'm').end()).toThrow(bad);
  });

  it('ignores what follows [DONE]', () => {
    const transformer = new MistralStreamTransformer('mistral', 'm');
    for (const line of chunks('mistral-text.chunks.txt')) transformer.push(line);
    expect(transformer.push('[DONE]')).toEqual([{ type: 'usage', usage: { inputTokens: 13, outputTokens: 8 } }]);
    expect(transformer.push(chunks('mistral-text.chunks.txt')[1])).toEqual([]);
    expect(transformer.end()).toEqual([]);
  });
});
