import { convertCohereUsage } from './convert-cohere-usage';

describe('convertCohereUsage', () => {
  it('counts the billed units, which is what Cohere charges for', () => {
    expect(
      convertCohereUsage({
        billed_units: { input_tokens: 12, output_tokens: 7 },
        tokens: { input_tokens: 507, output_tokens: 10 },
        cached_tokens: 448,
      }),
    ).toEqual({ inputTokens: 12, outputTokens: 7 });
  });

  it('falls back to the model tokens and their cache hits without billed units', () => {
    expect(convertCohereUsage({ tokens: { input_tokens: 507, output_tokens: 10 }, cached_tokens: 448 })).toEqual({
      inputTokens: 507,
      outputTokens: 10,
      cachedInputTokens: 448,
    });
    expect(convertCohereUsage({ billed_units: {}, tokens: { input_tokens: 5 } })).toEqual({ inputTokens: 5, outputTokens: 0 });
  });

  it('has no usage when Cohere reports none', () => {
    expect(convertCohereUsage(undefined)).toBeUndefined();
    expect(convertCohereUsage({})).toBeUndefined();
  });
});
