import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { StreamPart } from '@switchyard/shared';
import { finishReasonFromProto, finishReasonToProto, usageFromProto, usageToProto } from './chat-response-codec';
import { malformedMessage, nonEmpty, parseJsonObject, withoutUndefined } from './proto-values';

type StreamPartInit = MessageInitShape<typeof chatV1.StreamPartSchema>;

export function streamPartToProto(part: StreamPart): chatV1.StreamPart {
  return create(chatV1.StreamPartSchema, { part: streamPartCase(part) });
}

export function streamPartFromProto(message: chatV1.StreamPart): StreamPart {
  const { part } = message;
  switch (part.case) {
    case 'responseStart':
      return withoutUndefined({
        type: 'response-start',
        id: part.value.id,
        model: part.value.model,
        created: Number(part.value.created),
        systemFingerprint: part.value.systemFingerprint,
        serviceTier: part.value.serviceTier,
        droppedParams: nonEmpty(part.value.droppedParams),
      });
    case 'textDelta':
      return part.value.logprobsJson === ''
        ? { type: 'text-delta', choice: part.value.choice, text: part.value.text }
        : {
            type: 'text-delta',
            choice: part.value.choice,
            text: part.value.text,
            logprobs: parseJsonObject(part.value.logprobsJson, 'text_delta.logprobs_json'),
          };
    case 'reasoningSignature':
      return { type: 'reasoning-signature', choice: part.value.choice, signature: part.value.signature };
    case 'redactedReasoning':
      return { type: 'redacted-reasoning', choice: part.value.choice, data: part.value.data };
    case 'reasoningDelta':
      return { type: 'reasoning-delta', choice: part.value.choice, text: part.value.text };
    case 'refusalDelta':
      return { type: 'refusal-delta', choice: part.value.choice, text: part.value.text };
    case 'toolCallStart':
      return { type: 'tool-call-start', choice: part.value.choice, index: part.value.index, id: part.value.id, name: part.value.name };
    case 'toolCallDelta':
      return { type: 'tool-call-delta', choice: part.value.choice, index: part.value.index, argumentsDelta: part.value.argumentsDelta };
    case 'finish':
      return { type: 'finish', choice: part.value.choice, finishReason: finishReasonFromProto(part.value.finishReason) };
    case 'usage':
      return { type: 'usage', usage: usageFromProto(part.value) };
    default:
      throw malformedMessage('stream part is empty');
  }
}

function streamPartCase(part: StreamPart): StreamPartInit['part'] {
  switch (part.type) {
    case 'response-start':
      return {
        case: 'responseStart',
        value: {
          id: part.id,
          model: part.model,
          created: BigInt(part.created),
          systemFingerprint: part.systemFingerprint,
          serviceTier: part.serviceTier,
          droppedParams: part.droppedParams,
        },
      };
    case 'text-delta':
      return { case: 'textDelta', value: { choice: part.choice, text: part.text, logprobsJson: part.logprobs ? JSON.stringify(part.logprobs) : '' } };
    case 'reasoning-signature':
      return { case: 'reasoningSignature', value: { choice: part.choice, signature: part.signature } };
    case 'redacted-reasoning':
      return { case: 'redactedReasoning', value: { choice: part.choice, data: part.data } };
    case 'reasoning-delta':
      return { case: 'reasoningDelta', value: { choice: part.choice, text: part.text } };
    case 'refusal-delta':
      return { case: 'refusalDelta', value: { choice: part.choice, text: part.text } };
    case 'tool-call-start':
      return { case: 'toolCallStart', value: { choice: part.choice, index: part.index, id: part.id, name: part.name } };
    case 'tool-call-delta':
      return { case: 'toolCallDelta', value: { choice: part.choice, index: part.index, argumentsDelta: part.argumentsDelta } };
    case 'finish':
      return { case: 'finish', value: { choice: part.choice, finishReason: finishReasonToProto(part.finishReason) } };
    case 'usage':
      return { case: 'usage', value: usageToProto(part.usage) };
  }
}
