import type { StreamPart } from '@switchyard/shared';
import { ChatCompletionChunkWriter } from './chat-completion-chunk-writer';

const start: StreamPart = { type: 'response-start', id: 'chatcmpl-1', model: 'gpt-4o', created: 1727346168, systemFingerprint: 'fp_1' };

function writeAll(parts: StreamPart[], includeUsage: boolean): Record<string, unknown>[] {
  const writer = new ChatCompletionChunkWriter(includeUsage);
  return parts.map((part) => writer.write(part)).filter((chunk): chunk is Record<string, unknown> => chunk !== undefined);
}

describe('ChatCompletionChunkWriter', () => {
  it('writes OpenAI chunks: role first, deltas, finish, then usage with empty choices', () => {
    const chunks = writeAll(
      [
        start,
        { type: 'text-delta', choice: 0, text: 'Hel' },
        { type: 'text-delta', choice: 0, text: 'lo' },
        { type: 'finish', choice: 0, finishReason: 'stop' },
        { type: 'usage', usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 4, reasoningTokens: 0 } },
      ],
      true,
    );
    const envelope = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1727346168, model: 'gpt-4o', system_fingerprint: 'fp_1' };
    expect(chunks).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'Hel' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'lo' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
      {
        ...envelope,
        choices: [],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 2,
          total_tokens: 12,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    ]);
  });

  it('leaves usage out unless the client asked for it', () => {
    const chunks = writeAll([start, { type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } }], false);
    expect(chunks).toHaveLength(1);
  });

  it('writes tool calls as OpenAI streams them, and the role on the first delta of a later choice', () => {
    const chunks = writeAll(
      [
        start,
        { type: 'tool-call-start', choice: 0, index: 0, id: 'call_1', name: 'get_weather' },
        { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":' },
        { type: 'text-delta', choice: 1, text: 'Hi' },
        { type: 'finish', choice: 0, finishReason: 'tool_calls' },
        { type: 'finish', choice: 1, finishReason: 'other' },
      ],
      false,
    );
    const choices = chunks.map((chunk) => (chunk.choices as unknown[])[0]);
    expect(choices.slice(1)).toEqual([
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, logprobs: null, finish_reason: null },
      { index: 1, delta: { role: 'assistant', content: 'Hi' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
      { index: 1, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
  });

  it('streams reasoning as reasoning_content, and each closed block whole in thinking_blocks', () => {
    const chunks = writeAll(
      [
        start,
        { type: 'redacted-reasoning', choice: 0, data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'reasoning-delta', choice: 0, text: 'Weather ' },
        { type: 'reasoning-delta', choice: 0, text: 'first.' },
        { type: 'reasoning-signature', choice: 0, signature: 'sig-1' },
        { type: 'reasoning-delta', choice: 0, text: 'Then time.' },
        { type: 'reasoning-signature', choice: 0, signature: 'sig-2' },
        { type: 'text-delta', choice: 0, text: 'Done.' },
      ],
      false,
    );
    expect(chunks.slice(1).map((chunk) => (chunk.choices as { delta: unknown }[])[0].delta)).toEqual([
      { thinking_blocks: [{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' }] },
      { reasoning_content: 'Weather ' },
      { reasoning_content: 'first.' },
      { thinking_blocks: [{ type: 'thinking', thinking: 'Weather first.', signature: 'sig-1' }] },
      { reasoning_content: 'Then time.' },
      { thinking_blocks: [{ type: 'thinking', thinking: 'Then time.', signature: 'sig-2' }] },
      { content: 'Done.' },
    ]);
  });

  it("writes service_tier on every chunk and a text delta's logprobs on its choice", () => {
    const logprobs = { content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [] }], refusal: null };
    const chunks = writeAll(
      [
        { ...start, serviceTier: 'default' },
        { type: 'text-delta', choice: 0, text: 'Hi', logprobs },
        { type: 'finish', choice: 0, finishReason: 'stop' },
      ],
      false,
    );
    expect(chunks.map((chunk) => chunk.service_tier)).toEqual(['default', 'default', 'default']);
    expect((chunks[1].choices as unknown[])[0]).toEqual({ index: 0, delta: { content: 'Hi' }, logprobs, finish_reason: null });
  });
});
