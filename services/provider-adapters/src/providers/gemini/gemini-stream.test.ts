import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError, type StreamPart } from '@switchyard/shared';
import { GeminiStreamTransformer } from './gemini-stream';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/provider-responses/vercel-ai/packages/google/src/__fixtures__');

function chunksOf(file: string): string[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function run(chunks: string[]): StreamPart[] {
  const transformer = new GeminiStreamTransformer('gemini', 'gemini-test', () => 1_700_000_000);
  return [...chunks.flatMap((chunk) => transformer.push(chunk)), ...transformer.end()];
}

describe('GeminiStreamTransformer on recorded streams', () => {
  it('turns a text stream into text deltas, a signature, the finish and the usage', () => {
    const parts = run(chunksOf('google-text.chunks.txt'));
    expect(parts[0]).toEqual({ type: 'response-start', id: 'bH6LaZW8Fp_3nsEPqtaSwQ4', model: 'gemini-3-pro-preview', created: 1_700_000_000 });
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => (part as { text: string }).text)).toEqual([
      'There are **3**',
      ' "r"s in strawberry.\n\nst**r**awbe**rr**y',
    ]);
    expect(parts.slice(-3).map((part) => part.type)).toEqual(['reasoning-signature', 'finish', 'usage']);
    expect(parts.at(-2)).toEqual({ type: 'finish', choice: 0, finishReason: 'stop' });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 9, outputTokens: 23 + 185, reasoningTokens: 185 } });
  });

  it('streams thought summaries as reasoning and a call without arguments as {}', () => {
    const parts = run(chunksOf('google-stream-no-args-tool-call.chunks.txt'));
    expect(parts[1]).toMatchObject({ type: 'reasoning-delta', choice: 0 });
    expect((parts[1] as { text: string }).text).toMatch(/^\*\*Processing User Requests\*\*/);
    const calls = parts.filter((part) => part.type === 'tool-call-start' || part.type === 'tool-call-delta');
    expect(calls.map((part) => (part.type === 'tool-call-start' ? `${part.index}:${part.name}` : `${part.index}:${part.argumentsDelta}`))).toEqual([
      '0:read_theme',
      '0:{}',
      '1:read_screen',
      '1:{"id":"A"}',
      '2:read_screen',
      '2:{"id":"B"}',
      '3:read_screen',
      '3:{"id":"C"}',
    ]);
    // The signature on the first call closes the thought run before it.
    expect(parts.findIndex((part) => part.type === 'reasoning-signature')).toBe(parts.findIndex((part) => part.type === 'tool-call-start') - 1);
    expect(parts.at(-2)).toEqual({ type: 'finish', choice: 0, finishReason: 'tool_calls' });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 249, outputTokens: 58 + 183, reasoningTokens: 183 } });
  });

  it('builds streamed arguments from their JSON paths, numbers and continued strings included', () => {
    const parts = run(chunksOf('google-stream-tool-call-array-arguments-missing-terminal-function-call.chunks.txt'));
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    expect(deltas).toHaveLength(1);
    expect(JSON.parse((deltas[0] as { argumentsDelta: string }).argumentsDelta)).toEqual({
      operations: [
        { action: 'add', description: 'Fresh red apple', itemid: 'apple_001', price: 0.5 },
        { action: 'add', description: 'Ripe yellow banana', itemid: 'banana_001', price: 0.3 },
      ],
    });
  });

  it('keeps nested arrays and strings that arrive in pieces', () => {
    const parts = run(chunksOf('google-vertex-stream-tool-call-arguments-nested.1.chunks.txt'));
    const [delta] = parts.filter((part) => part.type === 'tool-call-delta') as { argumentsDelta: string }[];
    const args = JSON.parse(delta.argumentsDelta);
    expect(args.recipe.name).toBe('Lasagna');
    expect(args.recipe.ingredients).toHaveLength(10);
    expect(args.recipe.ingredients[0]).toEqual({ amount: '16 oz', name: 'Lasagna noodles' });
    expect(args.recipe.steps[4]).toBe('In a 9x13 baking dish, spread a thin layer of meat sauce.');
  });
});

describe('GeminiStreamTransformer on edge cases', () => {
  const chunk = (value: unknown) => JSON.stringify(value);

  it('throws the error object of a stream as a provider error', () => {
    const transformer = new GeminiStreamTransformer('gemini', 'm');
    transformer.push(chunk({ candidates: [{ content: { parts: [{ text: 'Hi' }] } }] }));
    expect(() => transformer.push(chunk({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }))).toThrow(
      expect.objectContaining({ status: 502, retryable: true, message: 'gemini sent an error mid-stream: The model is overloaded. (UNAVAILABLE)' }),
    );
  });

  it('finishes a blocked prompt as content_filter', () => {
    const parts = run([chunk({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } })]);
    expect(parts.map((part) => part.type)).toEqual(['response-start', 'finish', 'usage']);
    expect(parts[1]).toEqual({ type: 'finish', choice: 0, finishReason: 'content_filter' });
  });

  it('keeps candidates apart as choices', () => {
    const parts = run([
      chunk({
        candidates: [
          { index: 0, content: { parts: [{ text: 'a' }] } },
          { index: 1, content: { parts: [{ text: 'b' }] } },
        ],
      }),
      chunk({
        candidates: [
          { index: 1, finishReason: 'MAX_TOKENS' },
          { index: 0, finishReason: 'STOP' },
        ],
      }),
    ]);
    expect(parts.filter((part) => part.type === 'text-delta' || part.type === 'finish')).toEqual([
      { type: 'text-delta', choice: 0, text: 'a' },
      { type: 'text-delta', choice: 1, text: 'b' },
      { type: 'finish', choice: 1, finishReason: 'length' },
      { type: 'finish', choice: 0, finishReason: 'stop' },
    ]);
  });

  it('rejects a stream cut off before the finish, and a chunk that is not JSON', () => {
    const transformer = new GeminiStreamTransformer('gemini', 'm');
    transformer.push(chunk({ candidates: [{ content: { parts: [{ text: 'Hel' }] } }] }));
    expect(() => transformer.end()).toThrow('the stream ended before the response was complete');
    expect(() => new GeminiStreamTransformer('gemini', 'm').push('{not json')).toThrow(ProviderError);
  });
});
