import { convertBedrockUsage } from './convert-bedrock-usage';

describe('convertBedrockUsage', () => {
  it('counts cache reads and writes as input tokens, keeping the breakdown', () => {
    expect(convertBedrockUsage({ inputTokens: 10, outputTokens: 7, cacheReadInputTokens: 300, cacheWriteInputTokens: 40 })).toEqual({
      inputTokens: 350,
      outputTokens: 7,
      cachedInputTokens: 300,
      cacheWriteTokens: 40,
    });
  });

  it('leaves the breakdown out when Bedrock reports none', () => {
    expect(convertBedrockUsage({ inputTokens: 13, outputTokens: 82 })).toEqual({ inputTokens: 13, outputTokens: 82 });
  });
});
