import type { Usage } from '@switchyard/shared';
import type { CohereUsage } from './cohere-api';

/**
 * Cohere's usage as canonical usage: the billed units, which are what Cohere
 * charges for and what its prices apply to. `tokens` also counts the prompt
 * template Cohere wraps around a request, and `cached_tokens` counts that
 * larger figure's cache hits, which are not billed apart; so neither is
 * used while billed units are present. Without them (a self-hosted
 * deployment), `tokens` and `cached_tokens` are the usage. Cohere does not
 * count reasoning tokens apart; they are part of the output tokens.
 */
export function convertCohereUsage(usage: CohereUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const billed = usage.billed_units;
  if (billed && (billed.input_tokens != null || billed.output_tokens != null)) {
    return { inputTokens: billed.input_tokens ?? 0, outputTokens: billed.output_tokens ?? 0 };
  }
  const tokens = usage.tokens;
  if (!tokens) return undefined;
  const converted: Usage = { inputTokens: tokens.input_tokens ?? 0, outputTokens: tokens.output_tokens ?? 0 };
  if (usage.cached_tokens != null) converted.cachedInputTokens = usage.cached_tokens;
  return converted;
}
