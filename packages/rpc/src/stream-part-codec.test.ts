import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { StreamPart } from '@switchyard/shared';
import { streamPartFromProto, streamPartToProto } from './stream-part-codec';

function overTheWire(part: StreamPart): StreamPart {
  const bytes = toBinary(chatV1.StreamPartSchema, streamPartToProto(part));
  return streamPartFromProto(fromBinary(chatV1.StreamPartSchema, bytes));
}

/** Every stream part type, with optional fields both absent and present. */
const EVERY_STREAM_PART: StreamPart[] = [
  { type: 'response-start', id: 'chatcmpl-1', model: 'gpt-4o-mini', created: 1_735_689_600 },
  { type: 'response-start', id: 'chatcmpl-2', model: 'gpt-4o-mini', created: 0, systemFingerprint: 'fp_1' },
  { type: 'response-start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1, serviceTier: 'standard', droppedParams: ['seed', 'logit_bias'] },
  { type: 'reasoning-signature', choice: 0, signature: 'EqQBCkgIARABGAIiQL...' },
  { type: 'redacted-reasoning', choice: 0, data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
  { type: 'text-delta', choice: 0, text: 'Hi', logprobs: { content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [] }] } },
  { type: 'reasoning-delta', choice: 0, text: 'Thinking' },
  { type: 'text-delta', choice: 0, text: 'Hel' },
  { type: 'text-delta', choice: 1, text: '' },
  { type: 'refusal-delta', choice: 0, text: 'I cannot' },
  { type: 'tool-call-start', choice: 0, index: 0, id: 'call_1', name: 'lookup' },
  { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"q":' },
  { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '' },
  { type: 'finish', choice: 0, finishReason: 'stop' },
  { type: 'finish', choice: 1, finishReason: 'length' },
  { type: 'finish', choice: 2, finishReason: 'tool_calls' },
  { type: 'finish', choice: 3, finishReason: 'content_filter' },
  { type: 'finish', choice: 4, finishReason: 'error' },
  { type: 'finish', choice: 5, finishReason: 'other' },
  { type: 'usage', usage: { inputTokens: 10, outputTokens: 5 } },
  { type: 'usage', usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 8, cacheWriteTokens: 2, reasoningTokens: 0 } },
];

describe('stream part codec', () => {
  it.each(EVERY_STREAM_PART.map((part) => [part.type, part] as const))('round-trips %s', (_type, part) => {
    expect(overTheWire(part)).toStrictEqual(part);
  });

  it('covers every stream part type', () => {
    const types = new Set(EVERY_STREAM_PART.map((part) => part.type));
    expect(types.size).toBe(chatV1.StreamPartSchema.oneofs[0]?.fields.length);
  });

  it('rejects an empty part', () => {
    expect(() => streamPartFromProto(create(chatV1.StreamPartSchema))).toThrow('stream part is empty');
  });
});
