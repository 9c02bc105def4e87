import { convertMistralUsage } from './convert-mistral-usage';

describe('convertMistralUsage', () => {
  it('counts prompt tokens with the cached ones inside, and completion tokens', () => {
    expect(
      convertMistralUsage({ prompt_tokens: 171, completion_tokens: 14, total_tokens: 185, prompt_tokens_details: { cached_tokens: 128 } }),
    ).toEqual({
      inputTokens: 171,
      outputTokens: 14,
      cachedInputTokens: 128,
    });
    expect(convertMistralUsage({ prompt_tokens: 10, completion_tokens: 46 })).toEqual({ inputTokens: 10, outputTokens: 46 });
    expect(convertMistralUsage({})).toEqual({ inputTokens: 0, outputTokens: 0 });
  });
});
