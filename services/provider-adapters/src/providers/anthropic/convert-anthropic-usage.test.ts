import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage';

describe('convertAnthropicUsage', () => {
  it('counts cache reads and writes as input, and keeps the breakdown', () => {
    expect(convertAnthropicUsage({ input_tokens: 6, cache_read_input_tokens: 6289, cache_creation_input_tokens: 3337, output_tokens: 198 })).toEqual({
      inputTokens: 9632,
      outputTokens: 198,
      cachedInputTokens: 6289,
      cacheWriteTokens: 3337,
    });
  });

  it('reports thinking tokens as reasoning tokens and leaves out what was not reported', () => {
    expect(convertAnthropicUsage({ input_tokens: 51, output_tokens: 1699, output_tokens_details: { thinking_tokens: 139 } })).toEqual({
      inputTokens: 51,
      outputTokens: 1699,
      reasoningTokens: 139,
    });
  });
});

describe('mergeAnthropicUsage', () => {
  it('lets each field message_delta reports replace the message_start one', () => {
    const start = { input_tokens: 2, cache_creation_input_tokens: 3068, cache_read_input_tokens: 0, output_tokens: 69 };
    expect(mergeAnthropicUsage(start, { output_tokens: 198, cache_read_input_tokens: 6289, input_tokens: null })).toEqual({
      input_tokens: 2,
      cache_creation_input_tokens: 3068,
      cache_read_input_tokens: 6289,
      output_tokens: 198,
      output_tokens_details: undefined,
    });
    expect(mergeAnthropicUsage(start, undefined)).toBe(start);
  });
});
