import type { ProviderConfig } from '@switchyard/shared';
import { catalogModelFacts } from './catalog-model-facts';

const openai = { kind: 'openai' } as ProviderConfig;
const groq = { kind: 'openai', preset: 'groq' } as ProviderConfig;

describe('catalogModelFacts', () => {
  const facts = catalogModelFacts();

  it('gives a model’s price, context window, output limit and capabilities from the generated catalog', () => {
    expect(facts(openai, 'gpt-4o-mini')).toEqual({
      price: { input: 0.15, output: 0.6, cachedInput: 0.075 },
      contextWindow: 128_000,
      maxOutputTokens: 16_384,
      tools: true,
      vision: true,
      jsonSchema: true,
    });
  });

  it('reads an OpenAI-compatible preset’s own entry, and knows nothing of a model the catalog lacks', () => {
    expect(facts(groq, 'llama-3.3-70b-versatile')).toEqual({
      price: { input: 0.59, output: 0.79 },
      contextWindow: 128_000,
      maxOutputTokens: 32_768,
      tools: true,
      jsonSchema: false,
    });
    expect(facts(openai, 'llama-3.3-70b-versatile')).toBeUndefined();
    expect(facts(openai, 'no-such-model-anywhere')).toBeUndefined();
  });
});
