import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { ChatResponse, FinishReason, Usage } from '@switchyard/shared';
import { chatResponseFromProto, chatResponseToProto, usageFromProto, usageToProto } from './chat-response-codec';

function overTheWire(response: ChatResponse): ChatResponse {
  const bytes = toBinary(chatV1.ChatResponseSchema, chatResponseToProto(response));
  return chatResponseFromProto(fromBinary(chatV1.ChatResponseSchema, bytes));
}

const FINISH_REASONS: FinishReason[] = ['stop', 'length', 'tool_calls', 'content_filter', 'error', 'other'];

describe('chat response codec', () => {
  it('round-trips a response with every field and several choices', () => {
    const response: ChatResponse = {
      id: 'chatcmpl-1',
      model: 'gpt-4o-mini-2024-07-18',
      created: 1_735_689_600,
      choices: [
        { index: 0, message: { content: 'Hello' }, finishReason: 'stop' },
        {
          index: 1,
          message: {
            content: null,
            toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }],
            reasoning: 'Needs a lookup.',
            reasoningBlocks: [
              { type: 'thinking', text: 'Needs a lookup.', signature: 'sig' },
              { type: 'redacted', data: 'opaque' },
            ],
          },
          finishReason: 'tool_calls',
          logprobs: { content: [{ token: 'x', logprob: -0.5, bytes: [120], top_logprobs: [] }], refusal: null },
        },
        { index: 2, message: { content: '', refusal: 'No.' }, finishReason: 'content_filter' },
      ],
      usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100, cacheWriteTokens: 0, reasoningTokens: 12 },
      systemFingerprint: 'fp_44709d6fcb',
      serviceTier: 'default',
      droppedParams: ['seed'],
    };
    expect(overTheWire(response)).toStrictEqual(response);
  });

  it('tells a null content from an empty one', () => {
    const response: ChatResponse = {
      id: 'r',
      model: 'm',
      created: 0,
      choices: [
        { index: 0, message: { content: null }, finishReason: 'stop' },
        { index: 1, message: { content: '' }, finishReason: 'stop' },
      ],
    };
    expect(overTheWire(response)).toStrictEqual(response);
  });

  it.each(FINISH_REASONS)('round-trips finish reason %s', (finishReason) => {
    const response: ChatResponse = { id: 'r', model: 'm', created: 1, choices: [{ index: 0, message: { content: 'x' }, finishReason }] };
    expect(overTheWire(response).choices[0]?.finishReason).toBe(finishReason);
  });

  it('leaves absent usage and fingerprint absent', () => {
    const response: ChatResponse = { id: 'r', model: 'm', created: 1, choices: [] };
    expect(overTheWire(response)).toStrictEqual(response);
  });

  it.each<Usage>([
    { inputTokens: 0, outputTokens: 0 },
    { inputTokens: 5, outputTokens: 7, cachedInputTokens: 0 },
    { inputTokens: 9_007_199_254_740_991, outputTokens: 1, cacheWriteTokens: 3, reasoningTokens: 0 },
  ])('round-trips usage %o', (usage) => {
    const bytes = toBinary(chatV1.UsageSchema, usageToProto(usage));
    expect(usageFromProto(fromBinary(chatV1.UsageSchema, bytes))).toStrictEqual(usage);
  });

  it('rejects an unspecified finish reason', () => {
    const message = create(chatV1.ChatResponseSchema, { choices: [{ index: 0 }] });
    expect(() => chatResponseFromProto(message)).toThrow('finish_reason');
  });
});
