import { GatewayError, type ChatResponse, type FinishReason, type Usage } from '@switchyard/shared';

/**
 * The canonical response as Anthropic's `Message` object
 * (https://docs.claude.com/en/api/messages, "Returns"): reasoning blocks
 * first (signatures kept), then text, then `tool_use` blocks, as Claude
 * orders them.
 */

/** Anthropic's `stop_reason` for each canonical finish reason. */
export function toAnthropicStopReason(reason: FinishReason | undefined): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      // `stop`, and the reasons Anthropic has no name for: the turn ended.
      return 'end_turn';
  }
}

/**
 * Anthropic's usage: `input_tokens` counts only the uncached input, cache
 * reads and writes apart (their sum is the canonical `inputTokens`).
 */
export function toAnthropicUsage(usage: Usage | undefined): Record<string, number> {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

export function formatMessage(response: ChatResponse): Record<string, unknown> {
  const choice = response.choices[0];
  const message = choice?.message;
  const content: Record<string, unknown>[] = [];
  if (message?.reasoningBlocks && message.reasoningBlocks.length > 0) {
    for (const block of message.reasoningBlocks) {
      content.push(
        block.type === 'thinking'
          ? { type: 'thinking', thinking: block.text, signature: block.signature ?? '' }
          : { type: 'redacted_thinking', data: block.data },
      );
    }
  } else if (message?.reasoning) {
    // A provider's reasoning without a signature (DeepSeek's `reasoning_content`): shown, not verifiable.
    content.push({ type: 'thinking', thinking: message.reasoning, signature: '' });
  }
  if (message?.content) content.push({ type: 'text', text: message.content });
  if (message?.refusal) content.push({ type: 'text', text: message.refusal });
  for (const call of message?.toolCalls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments, call.name) });
  }
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: toAnthropicStopReason(choice?.finishReason),
    stop_sequence: null,
    usage: toAnthropicUsage(response.usage),
  };
}

/** A tool call's arguments as the object Anthropic's `input` is; a model's text that is no JSON object is the upstream's fault. */
function toolInput(text: string, name: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    input = undefined;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new GatewayError(`The model's arguments for the tool ${name} are not a JSON object.`, {
      status: 502,
      errorClass: 'upstream',
      code: 'upstream_bad_response',
    });
  }
  return input as Record<string, unknown>;
}
