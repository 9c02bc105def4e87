import type { Usage } from '@switchyard/shared';
import type { OpenAIUsage } from './openai-api';

/**
 * OpenAI's `usage` to canonical usage. `completion_tokens` includes reasoning
 * tokens at OpenAI; xAI leaves them out and counts them only in
 * `total_tokens`, which is recognised by `total = prompt + completion +
 * reasoning`, and then added back so `outputTokens` always includes them.
 */
export function convertOpenAIUsage(usage: OpenAIUsage): Usage {
  const inputTokens = usage.prompt_tokens ?? 0;
  let outputTokens = usage.completion_tokens ?? 0;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens;
  if (reasoningTokens && usage.total_tokens === inputTokens + outputTokens + reasoningTokens) outputTokens += reasoningTokens;

  const converted: Usage = { inputTokens, outputTokens };
  const cachedInputTokens = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  if (cachedInputTokens != null) converted.cachedInputTokens = cachedInputTokens;
  const cacheWriteTokens = usage.prompt_tokens_details?.cache_write_tokens;
  if (cacheWriteTokens) converted.cacheWriteTokens = cacheWriteTokens;
  if (reasoningTokens != null) converted.reasoningTokens = reasoningTokens;
  return converted;
}
