import type { Usage } from '@switchyard/shared';
import type { MistralUsage } from './mistral-api';

/**
 * Mistral's usage as canonical usage. `prompt_tokens` includes the cached
 * ones (`prompt_tokens_details.cached_tokens`), and `completion_tokens` a
 * reasoning model's thinking, which Mistral does not count apart.
 */
export function convertMistralUsage(usage: MistralUsage): Usage {
  const converted: Usage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (cached != null) converted.cachedInputTokens = cached;
  return converted;
}
