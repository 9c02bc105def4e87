import { configSchema, type ModelFactsLookup } from '@switchyard/shared';
import { ConfiguredDeploymentProfiles } from './deployment-profiles';
import { createDeployment } from './model-catalog';

const providers = configSchema.parse({
  providers: {
    openai: { kind: 'openai', prices: { 'gpt-4o': { input: 2.5, output: 10 }, 'gpt-4.1*': { input: 2, output: 8 } } },
    groq: { kind: 'openai', preset: 'groq' },
  },
}).providers;

describe('ConfiguredDeploymentProfiles', () => {
  it('prices a deployment from its provider’s prices: the exact name, then the first matching pattern', () => {
    const profiles = new ConfiguredDeploymentProfiles(providers);
    expect(profiles.profileOf(createDeployment('openai', 'gpt-4o'))).toEqual({ price: { input: 2.5, output: 10 } });
    expect(profiles.profileOf(createDeployment('openai', 'gpt-4.1-mini'))).toEqual({ price: { input: 2, output: 8 } });
    expect(profiles.profileOf(createDeployment('openai', 'o3'))).toBeUndefined();
    expect(profiles.profileOf(createDeployment('nowhere', 'gpt-4o'))).toBeUndefined();
  });

  it('takes limits and capabilities from the model facts, and their price where the config has none', () => {
    const asked: [string | undefined, string][] = [];
    const facts: ModelFactsLookup = (provider, model) => {
      asked.push([provider.kind === 'openai' ? provider.preset : provider.kind, model]);
      return { contextWindow: 128_000, tools: true, price: { input: 9, output: 9 } };
    };
    const profiles = new ConfiguredDeploymentProfiles(providers, facts);
    expect(profiles.profileOf(createDeployment('openai', 'gpt-4o'))).toEqual({
      contextWindow: 128_000,
      tools: true,
      price: { input: 2.5, output: 10 },
    });
    expect(profiles.profileOf(createDeployment('groq', 'llama-3.3-70b'))).toEqual({
      contextWindow: 128_000,
      tools: true,
      price: { input: 9, output: 9 },
    });
    expect(asked).toEqual([
      [undefined, 'gpt-4o'],
      ['groq', 'llama-3.3-70b'],
    ]);
  });
});
