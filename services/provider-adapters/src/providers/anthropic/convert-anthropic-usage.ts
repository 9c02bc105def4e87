import type { Usage } from '@switchyard/shared';
import type { AnthropicUsage } from './anthropic-api';

/**
 * Anthropic's usage as canonical usage. Anthropic counts cache reads and
 * cache writes apart from `input_tokens`; the canonical `inputTokens` counts
 * every input token, so they are summed into it.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens;
  const cacheWrite = usage.cache_creation_input_tokens;
  const converted: Usage = {
    inputTokens: (usage.input_tokens ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: usage.output_tokens ?? 0,
  };
  if (cacheRead != null) converted.cachedInputTokens = cacheRead;
  if (cacheWrite != null) converted.cacheWriteTokens = cacheWrite;
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (thinking != null) converted.reasoningTokens = thinking;
  return converted;
}

/**
 * The usage of a stream: `message_delta` counts are cumulative, so each field
 * it reports replaces the one from `message_start`.
 */
export function mergeAnthropicUsage(start: AnthropicUsage, delta: AnthropicUsage | null | undefined): AnthropicUsage {
  if (!delta) return start;
  return {
    input_tokens: delta.input_tokens ?? start.input_tokens,
    output_tokens: delta.output_tokens ?? start.output_tokens,
    cache_creation_input_tokens: delta.cache_creation_input_tokens ?? start.cache_creation_input_tokens,
    cache_read_input_tokens: delta.cache_read_input_tokens ?? start.cache_read_input_tokens,
    output_tokens_details: delta.output_tokens_details ?? start.output_tokens_details,
  };
}
