import type { ChatResponse } from '@switchyard/shared';
import { formatMessage, toAnthropicStopReason, toAnthropicUsage } from './format-message';

describe('formatMessage', () => {
  it('writes reasoning blocks, text and tool calls as Anthropic content blocks, in that order', () => {
    const response: ChatResponse = {
      id: 'msg_1',
      model: 'claude-sonnet-4-5',
      created: 1,
      choices: [
        {
          index: 0,
          finishReason: 'tool_calls',
          message: {
            content: 'Checking.',
            reasoning: 'hmm',
            reasoningBlocks: [
              { type: 'thinking', text: 'hmm', signature: 'sig' },
              { type: 'redacted', data: 'opaque' },
            ],
            toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{"q":"cat"}' }],
          },
        },
      ],
      usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, cacheWriteTokens: 10 },
    };
    expect(formatMessage(response)).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'cat' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 20, cache_creation_input_tokens: 10, cache_read_input_tokens: 60 },
    });
  });

  it('writes unsigned reasoning as a thinking block, a refusal as text, and no content as an empty list', () => {
    const message = (fields: Partial<ChatResponse['choices'][number]['message']>, finishReason: 'stop' | 'content_filter' = 'stop') =>
      formatMessage({ id: 'x', model: 'm', created: 0, choices: [{ index: 0, finishReason, message: { content: null, ...fields } }] });
    expect(message({ content: 'Hi', reasoning: 'think' }).content).toEqual([
      { type: 'thinking', thinking: 'think', signature: '' },
      { type: 'text', text: 'Hi' },
    ]);
    expect(message({ refusal: 'No.' }, 'content_filter')).toMatchObject({ content: [{ type: 'text', text: 'No.' }], stop_reason: 'refusal' });
    expect(message({})).toMatchObject({ content: [], usage: { input_tokens: 0, output_tokens: 0 } });
    expect(message({ toolCalls: [{ id: 'a', name: 'f', arguments: '' }] }).content).toEqual([{ type: 'tool_use', id: 'a', name: 'f', input: {} }]);
  });

  it("refuses a tool call whose arguments are not a JSON object as the upstream's fault", () => {
    const response: ChatResponse = {
      id: 'x',
      model: 'm',
      created: 0,
      choices: [{ index: 0, finishReason: 'tool_calls', message: { content: null, toolCalls: [{ id: 'a', name: 'f', arguments: '[1' }] } }],
    };
    expect(() => formatMessage(response)).toThrow(expect.objectContaining({ status: 502, code: 'upstream_bad_response' }));
  });

  it('maps every finish reason to a stop reason and splits cached input out of input_tokens', () => {
    expect(['stop', 'length', 'tool_calls', 'content_filter', 'error', 'other'].map((reason) => toAnthropicStopReason(reason as never))).toEqual([
      'end_turn',
      'max_tokens',
      'tool_use',
      'refusal',
      'end_turn',
      'end_turn',
    ]);
    expect(toAnthropicUsage({ inputTokens: 12, outputTokens: 3 })).toEqual({
      input_tokens: 12,
      output_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });
});
