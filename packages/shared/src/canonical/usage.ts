/**
 * Token usage of one response.
 *
 * `inputTokens` counts every input token, cached ones included (OpenAI's
 * `prompt_tokens` convention). Providers that report cache reads and writes
 * separately (Anthropic) are summed into it; the breakdown stays in
 * `cachedInputTokens` and `cacheWriteTokens`. `outputTokens` includes
 * `reasoningTokens`.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}
