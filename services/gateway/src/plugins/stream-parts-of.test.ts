import type { ChatResponse } from '@switchyard/shared';
import { ChatResponseAssembler } from './chat-response-assembler';
import { streamPartsOf } from './stream-parts-of';

describe('streamPartsOf and ChatResponseAssembler', () => {
  const full: ChatResponse = {
    id: 'chatcmpl-1',
    model: 'gpt-4o-mini-2024-07-18',
    created: 1_700_000_000,
    systemFingerprint: 'fp_1',
    choices: [
      {
        index: 0,
        message: {
          content: `Paris is the capital of France. ${'é😀'.repeat(40)}`,
          reasoning: 'thinking about capitals',
          reasoningBlocks: [
            { type: 'thinking', text: 'thinking about capitals', signature: 'sig-1' },
            { type: 'redacted', data: 'opaque' },
          ],
          toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"city":"Paris"}' }],
        },
        finishReason: 'tool_calls',
      },
      { index: 1, message: { content: null, refusal: 'I cannot help with that.' }, finishReason: 'content_filter' },
    ],
    usage: { inputTokens: 12, outputTokens: 34 },
  };

  it('replays an answer as parts a stream would carry, which assemble back into the same answer', () => {
    const parts = streamPartsOf(full);
    expect(parts[0]).toEqual({
      type: 'response-start',
      id: 'chatcmpl-1',
      model: 'gpt-4o-mini-2024-07-18',
      created: 1_700_000_000,
      systemFingerprint: 'fp_1',
    });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 12, outputTokens: 34 } });
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    // No delta ends inside a surrogate pair.
    for (const delta of deltas) expect(() => encodeURIComponent(delta.text)).not.toThrow();
    const assembler = new ChatResponseAssembler();
    for (const part of parts) assembler.add(part);
    expect(assembler.response()).toEqual(full);
  });

  it('assembles a stream cut short from what arrived', () => {
    const assembler = new ChatResponseAssembler();
    assembler.add({ type: 'response-start', id: 'x', model: 'm', created: 1 });
    assembler.add({ type: 'text-delta', choice: 0, text: 'Hel' });
    assembler.add({ type: 'tool-call-start', choice: 0, index: 0, id: 'c', name: 'f' });
    assembler.add({ type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"a"' });
    expect(assembler.response()).toEqual({
      id: 'x',
      model: 'm',
      created: 1,
      choices: [{ index: 0, message: { content: 'Hel', toolCalls: [{ id: 'c', name: 'f', arguments: '{"a"' }] }, finishReason: 'stop' }],
    });
  });
});
