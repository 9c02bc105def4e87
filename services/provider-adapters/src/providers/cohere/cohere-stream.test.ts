import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StreamPart } from '@switchyard/shared';
import { CohereStreamTransformer } from './cohere-stream';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/cohere/src/__fixtures__');

function events(file: string): string[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function run(lines: string[]): StreamPart[] {
  const transformer = new CohereStreamTransformer('cohere', 'command-a', () => 1_700_000_000);
  const parts = lines.flatMap((line) => [...transformer.push(line)]);
  return [...parts, ...transformer.end()];
}

function joined(parts: StreamPart[], type: 'text-delta' | 'reasoning-delta'): string {
  return parts.map((part) => (part.type === type ? part.text : '')).join('');
}

describe('CohereStreamTransformer', () => {
  it('turns a text stream into a start, text deltas, a finish and billed usage', () => {
    const parts = run(events('cohere-text.chunks.txt'));
    expect(parts[0]).toEqual({ type: 'response-start', id: '321d178c-2c12-44d3-ae42-2f5510f6b1cc', model: 'command-a', created: 1_700_000_000 });
    expect(joined(parts, 'text-delta')).toBe('The capital of France is Paris.');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 7 } },
    ]);
  });

  it('reads thinking content as reasoning and text content as text', () => {
    const parts = run(events('cohere-reasoning.chunks.txt'));
    expect(joined(parts, 'reasoning-delta')).toMatch(/^The user is asking for the sum of 2 and 2\./);
    expect(joined(parts, 'text-delta')).toBe('The answer to 2 + 2 is 4.');
    const firstText = parts.findIndex((part) => part.type === 'text-delta');
    expect(parts.slice(firstText).some((part) => part.type === 'reasoning-delta')).toBe(false);
  });

  it('reads the tool plan as reasoning and streams two tool calls by position', () => {
    const parts = run(events('cohere-tool-call.chunks.txt'));
    expect(joined(parts, 'reasoning-delta')).toBe(
      'I will use the weather tool to find the weather in San Francisco and the cityAttractions tool to find attractions in San Francisco.',
    );
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'weather_e8p4pn45zt0t', name: 'weather' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'cityAttractions_pyxssbwnq9fq', name: 'cityAttractions' },
    ]);
    const argumentsOf = (index: number) =>
      parts.map((part) => (part.type === 'tool-call-delta' && part.index === index ? part.argumentsDelta : '')).join('');
    expect(argumentsOf(0)).toBe('{"location": "San Francisco"}');
    expect(argumentsOf(1)).toBe('{"city": "San Francisco"}');
    expect(parts.at(-2)).toEqual({ type: 'finish', choice: 0, finishReason: 'tool_calls' });
  });

  it('gives a call that streamed no arguments an empty object', () => {
    const parts = run(events('cohere-empty-tool-call.chunks.txt'));
    expect(parts.filter((part) => part.type === 'tool-call-delta')).toEqual([{ type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{}' }]);
  });

  it('ignores citations, debug events, types added later and [DONE]', () => {
    const [start, ...rest] = events('cohere-text.chunks.txt');
    const parts = run([
      start,
      '{"type":"citation-start","index":0,"delta":{"message":{"citations":{"start":0,"end":3}}}}',
      '{"type":"citation-end","index":0}',
      '{"type":"debug","prompt":"..."}',
      '{"type":"something-new","delta":{}}',
      ...rest,
      '[DONE]',
    ]);
    expect(joined(parts, 'text-delta')).toBe('The capital of France is Paris.');
  });

  it('ignores what follows message-end', () => {
    const transformer = new CohereStreamTransformer('cohere', 'command-a');
    for (const line of events('cohere-text.chunks.txt')) transformer.push(line);
    expect(transformer.push('{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"late"}}}}')).toEqual([]);
    expect(transformer.end()).toEqual([]);
  });

  it('throws a retryable upstream error for a message-end that reports one', () => {
    const transformer = new CohereStreamTransformer('cohere', 'command-a');
    transformer.push(events('cohere-text.chunks.txt')[0]);
    expect(() => transformer.push('{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal failure"}}')).toThrow(
      expect.objectContaining({ status: 502, retryable: true, message: expect.stringContaining('internal failure') }),
    );
  });

  it('throws a bad response for events out of order, malformed events and a cut-off stream', () => {
    const bad = expect.objectContaining({ code: 'upstream_bad_response' });
    expect(() => new CohereStreamTransformer('cohere', 'm').push(events('cohere-text.chunks.txt')[1])).toThrow(bad);
    expect(() => new CohereStreamTransformer('cohere', 'm').push('not json')).toThrow(bad);
    expect(() => new CohereStreamTransformer('cohere', 'm').push('{"no":"type"}')).toThrow(bad);
    const started = new CohereStreamTransformer('cohere', 'm');
    started.push(events('cohere-text.chunks.txt')[0]);
    expect(() => started.push('{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"x"}}}}')).toThrow(bad);
    expect(() => started.push('{"type":"tool-call-delta","index":3,"delta":{}}')).toThrow(bad);
    expect(() => started.end()).toThrow(expect.objectContaining({ message: expect.stringContaining('before message-end') }));
    expect(() => new CohereStreamTransformer('cohere', 'm').end()).toThrow(bad);
  });
});
