import { convertGeminiUsage, hasTokenCounts } from './convert-gemini-usage';

describe('convertGeminiUsage', () => {
  it('keeps cached tokens inside the input and adds thinking to the output', () => {
    expect(convertGeminiUsage({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 50, thoughtsTokenCount: 200 })).toEqual({
      inputTokens: 1000,
      outputTokens: 250,
      cachedInputTokens: 800,
      reasoningTokens: 200,
    });
    expect(convertGeminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 90, candidatesTokenCount: 5 })).toEqual({
      inputTokens: 100,
      outputTokens: 5,
    });
  });

  it('tells counts from the traffic-type-only usage of early stream chunks', () => {
    expect(hasTokenCounts({})).toBe(false);
    expect(hasTokenCounts(undefined)).toBe(false);
    expect(hasTokenCounts({ promptTokenCount: 0 })).toBe(true);
  });
});
