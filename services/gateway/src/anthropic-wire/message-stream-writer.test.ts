import type { StreamPart } from '@switchyard/shared';
import { MessageStreamWriter, serverSentEvent } from './message-stream-writer';

function write(parts: StreamPart[]): Record<string, unknown>[] {
  const writer = new MessageStreamWriter();
  return [...parts.flatMap((part) => writer.write(part)), ...writer.end()];
}

describe('MessageStreamWriter', () => {
  it("writes thinking, text and tool calls as Anthropic's event flow, usage in the message_delta", () => {
    const events = write([
      { type: 'response-start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1 },
      { type: 'reasoning-delta', choice: 0, text: 'Let me ' },
      { type: 'reasoning-delta', choice: 0, text: 'think.' },
      { type: 'reasoning-signature', choice: 0, signature: 'sig-1' },
      { type: 'redacted-reasoning', choice: 0, data: 'opaque' },
      { type: 'text-delta', choice: 0, text: 'Hello' },
      { type: 'text-delta', choice: 0, text: '' },
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_1', name: 'lookup' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"q":' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '"cat"}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'toolu_2', name: 'noop' },
      { type: 'finish', choice: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 50, outputTokens: 9, cachedInputTokens: 20 } },
    ]);
    expect(events).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-1' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} } },
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"q":' } },
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '"cat"}' } },
      { type: 'content_block_stop', index: 3 },
      { type: 'content_block_start', index: 4, content_block: { type: 'tool_use', id: 'toolu_2', name: 'noop', input: {} } },
      { type: 'content_block_stop', index: 4 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { input_tokens: 30, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 20 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('closes an open text block at the end when no finish part came, and ignores other choices', () => {
    const events = write([
      { type: 'response-start', id: 'x', model: 'm', created: 0 },
      { type: 'text-delta', choice: 1, text: 'other choice' },
      { type: 'refusal-delta', choice: 0, text: 'No.' },
    ]);
    expect(events.slice(2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'No.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: 0, output_tokens: 0 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('frames an event with its type as the SSE event name', () => {
    expect(serverSentEvent({ type: 'message_stop' })).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  });
});
