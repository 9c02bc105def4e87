import type { Usage } from '@switchyard/shared';
import type { GeminiUsage } from './gemini-api';

/**
 * Gemini's `usageMetadata` as canonical usage. `promptTokenCount` already
 * includes the cached content (`cachedContentTokenCount`); tokens of tool-use
 * prompts (search results and the like) are input too. `candidatesTokenCount`
 * leaves out the thinking (`thoughtsTokenCount`), which the canonical
 * `outputTokens` includes. Google bills these the same way (see
 * https://ai.google.dev/api/generate-content#UsageMetadata).
 */
export function convertGeminiUsage(usage: GeminiUsage): Usage {
  const thoughts = usage.thoughtsTokenCount;
  const converted: Usage = {
    inputTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    outputTokens: (usage.candidatesTokenCount ?? 0) + (thoughts ?? 0),
  };
  if (usage.cachedContentTokenCount != null) converted.cachedInputTokens = usage.cachedContentTokenCount;
  if (thoughts != null) converted.reasoningTokens = thoughts;
  return converted;
}

/** Whether a (stream chunk's) usage carries counts: early chunks of some streams hold only `trafficType`. */
export function hasTokenCounts(usage: GeminiUsage | null | undefined): usage is GeminiUsage {
  return usage != null && (usage.promptTokenCount != null || usage.candidatesTokenCount != null || usage.totalTokenCount != null);
}
