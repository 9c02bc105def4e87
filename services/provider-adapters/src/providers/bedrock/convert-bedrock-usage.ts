import type { Usage } from '@switchyard/shared';
import type { BedrockUsage } from './bedrock-api';

/**
 * Bedrock's usage as canonical usage. Converse counts prompt-cache reads and
 * writes apart from `inputTokens`; the canonical `inputTokens` counts every
 * input token, so they are summed into it. Bedrock reports no reasoning count
 * of its own: reasoning is inside `outputTokens`.
 */
export function convertBedrockUsage(usage: BedrockUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens;
  const cacheWrite = usage.cacheWriteInputTokens;
  const converted: Usage = {
    inputTokens: (usage.inputTokens ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: usage.outputTokens ?? 0,
  };
  if (cacheRead != null) converted.cachedInputTokens = cacheRead;
  if (cacheWrite != null) converted.cacheWriteTokens = cacheWrite;
  return converted;
}
