import { create } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { ChatChoice, ChatResponse, FinishReason, Usage } from '@switchyard/shared';
import { reasoningBlocksFromProto, reasoningBlocksToProto, toolCallFromProto, textFromProto } from './chat-request-codec';
import { malformedMessage, nonEmpty, optionalInt64, optionalNumber, parseJsonObject, withoutUndefined } from './proto-values';

const FINISH_REASONS: Record<FinishReason, chatV1.FinishReason> = {
  stop: chatV1.FinishReason.STOP,
  length: chatV1.FinishReason.LENGTH,
  tool_calls: chatV1.FinishReason.TOOL_CALLS,
  content_filter: chatV1.FinishReason.CONTENT_FILTER,
  error: chatV1.FinishReason.ERROR,
  other: chatV1.FinishReason.OTHER,
};

const CANONICAL_FINISH_REASONS = new Map(Object.entries(FINISH_REASONS).map(([name, value]) => [value, name as FinishReason]));

export function chatResponseToProto(response: ChatResponse): chatV1.ChatResponse {
  return create(chatV1.ChatResponseSchema, {
    id: response.id,
    model: response.model,
    created: BigInt(response.created),
    choices: response.choices.map((choice) => ({
      index: choice.index,
      message: {
        role: chatV1.Role.ASSISTANT,
        // A null content is no part; an empty string is one empty part.
        content: choice.message.content === null ? [] : [{ part: { case: 'text' as const, value: choice.message.content } }],
        toolCalls: choice.message.toolCalls,
        refusal: choice.message.refusal,
        reasoning: choice.message.reasoning,
        reasoningBlocks: reasoningBlocksToProto(choice.message.reasoningBlocks),
      },
      finishReason: finishReasonToProto(choice.finishReason),
      logprobsJson: choice.logprobs ? JSON.stringify(choice.logprobs) : '',
    })),
    usage: response.usage && usageToProto(response.usage),
    systemFingerprint: response.systemFingerprint,
    serviceTier: response.serviceTier,
    droppedParams: response.droppedParams,
  });
}

export function chatResponseFromProto(message: chatV1.ChatResponse): ChatResponse {
  return withoutUndefined<ChatResponse>({
    id: message.id,
    model: message.model,
    created: Number(message.created),
    choices: message.choices.map(choiceFromProto),
    usage: message.usage && usageFromProto(message.usage),
    systemFingerprint: message.systemFingerprint,
    serviceTier: message.serviceTier,
    droppedParams: nonEmpty(message.droppedParams),
  });
}

export function usageToProto(usage: Usage): chatV1.Usage {
  return create(chatV1.UsageSchema, {
    inputTokens: BigInt(usage.inputTokens),
    outputTokens: BigInt(usage.outputTokens),
    cachedInputTokens: optionalInt64(usage.cachedInputTokens),
    cacheWriteTokens: optionalInt64(usage.cacheWriteTokens),
    reasoningTokens: optionalInt64(usage.reasoningTokens),
  });
}

export function usageFromProto(usage: chatV1.Usage): Usage {
  return withoutUndefined({
    inputTokens: Number(usage.inputTokens),
    outputTokens: Number(usage.outputTokens),
    cachedInputTokens: optionalNumber(usage.cachedInputTokens),
    cacheWriteTokens: optionalNumber(usage.cacheWriteTokens),
    reasoningTokens: optionalNumber(usage.reasoningTokens),
  });
}

export function finishReasonToProto(reason: FinishReason): chatV1.FinishReason {
  return FINISH_REASONS[reason];
}

export function finishReasonFromProto(reason: chatV1.FinishReason): FinishReason {
  const canonical = CANONICAL_FINISH_REASONS.get(reason);
  if (canonical === undefined) throw malformedMessage(`finish_reason is ${reason}`);
  return canonical;
}

function choiceFromProto(choice: chatV1.Choice): ChatChoice {
  const message = choice.message;
  return withoutUndefined<ChatChoice>({
    index: choice.index,
    message: withoutUndefined({
      content: message === undefined || message.content.length === 0 ? null : textFromProto(message.content, 'choice.message.content'),
      toolCalls: message && nonEmpty(message.toolCalls.map(toolCallFromProto)),
      refusal: message?.refusal,
      reasoning: message?.reasoning,
      reasoningBlocks: message && reasoningBlocksFromProto(message.reasoningBlocks),
    }),
    finishReason: finishReasonFromProto(choice.finishReason),
    logprobs: choice.logprobsJson === '' ? undefined : parseJsonObject(choice.logprobsJson, 'choice.logprobs_json'),
  });
}
