import type { ChatResponse, EmbeddingResponse, FinishReason, ReasoningBlock, Usage } from '@switchyard/shared';

/** OpenAI's `usage` object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  const result: OpenAIUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens !== undefined) result.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  if (usage.reasoningTokens !== undefined) result.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return result;
}

/** OpenAI has no `error` or `other` finish reason; both read as `stop`. */
export function toOpenAIFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  return reason === 'error' || reason === 'other' ? 'stop' : reason;
}

/**
 * A reasoning block in LiteLLM's `thinking_blocks` shape: what a client sends
 * back, unchanged, on the assistant message of its next turn.
 */
export function toThinkingBlock(block: ReasoningBlock): Record<string, unknown> {
  if (block.type === 'redacted') return { type: 'redacted_thinking', data: block.data };
  return { type: 'thinking', thinking: block.text, ...(block.signature !== undefined && { signature: block.signature }) };
}

/** A canonical response as OpenAI's `chat.completion` object. */
export function formatChatCompletion(response: ChatResponse): Record<string, unknown> {
  return {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: response.choices.map((choice) => {
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: choice.message.content,
        refusal: choice.message.refusal ?? null,
      };
      if (choice.message.toolCalls?.length) {
        message.tool_calls = choice.message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      if (choice.message.reasoning !== undefined) message.reasoning_content = choice.message.reasoning;
      if (choice.message.reasoningBlocks?.length) message.thinking_blocks = choice.message.reasoningBlocks.map(toThinkingBlock);
      return { index: choice.index, message, logprobs: choice.logprobs ?? null, finish_reason: toOpenAIFinishReason(choice.finishReason) };
    }),
    ...(response.usage && { usage: toOpenAIUsage(response.usage) }),
    ...(response.serviceTier !== undefined && { service_tier: response.serviceTier }),
    ...(response.systemFingerprint !== undefined && { system_fingerprint: response.systemFingerprint }),
  };
}

/** `base64` carries each vector as little-endian float32 bytes, as OpenAI does (and its SDKs ask for by default). */
export function formatEmbeddings(response: EmbeddingResponse, encoding: 'float' | 'base64' = 'float'): Record<string, unknown> {
  return {
    object: 'list',
    data: response.data.map((item) => ({
      object: 'embedding',
      index: item.index,
      embedding: encoding === 'base64' ? float32Base64(item.vector) : item.vector,
    })),
    model: response.model,
    usage: { prompt_tokens: response.usage.inputTokens, total_tokens: response.usage.inputTokens + response.usage.outputTokens },
  };
}

function float32Base64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
