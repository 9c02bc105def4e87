import type { Deployment, DeploymentProfile, DeploymentProfiles } from '@switchyard/shared';
import { features, names, NO_STATISTICS, statistics, target } from './__fixtures__/strategy-targets';
import { canServe, estimatedCost, lowestCostStrategy } from './lowest-cost';

/** Profiles by deployment id. */
function profilesOf(byId: Record<string, DeploymentProfile>): DeploymentProfiles {
  return { profileOf: (deployment: Deployment) => byId[deployment.id] };
}

const node = (expectedOutputTokens?: number) => ({ strategy: 'lowest-cost' as const, targets: [], expectedOutputTokens });
const random = () => 0;

// USD per million tokens.
const profiles = profilesOf({
  'provider/premium': { price: { input: 10, output: 30 }, contextWindow: 200_000, tools: true, vision: true, jsonSchema: true },
  'provider/mini': { price: { input: 0.15, output: 0.6 }, contextWindow: 128_000, tools: true, vision: true, jsonSchema: true },
  'provider/tiny': { price: { input: 0.05, output: 0.1 }, contextWindow: 8_000, tools: false, vision: false, jsonSchema: false },
  'provider/unpriced': { contextWindow: 32_000 },
});
const premium = target('premium');
const mini = target('mini');
const tiny = target('tiny');
const unpriced = target('unpriced');

describe('lowestCostStrategy', () => {
  const select = lowestCostStrategy([premium, unpriced, mini, tiny], { random, profiles }, node());

  it('picks the cheapest deployment for a plain request, the others after by cost, unpriced last', () => {
    expect(names(select(features({ estimatedInputTokens: 1_000 }), NO_STATISTICS))).toEqual(['tiny', 'mini', 'premium', 'unpriced']);
  });

  it('picks the cheapest capable one: tools, images, JSON schema, context length', () => {
    const needs = [
      features({ estimatedInputTokens: 100, hasTools: true }),
      features({ estimatedInputTokens: 100, hasImages: true }),
      features({ estimatedInputTokens: 100, hasJsonSchema: true }),
      features({ estimatedInputTokens: 20_000 }),
    ];
    for (const need of needs) expect(select(need, NO_STATISTICS)[0].name).toBe('mini');
    // Past mini's window only premium can take it; the incapable follow, for their refusal to explain a failure.
    expect(names(select(features({ estimatedInputTokens: 150_000 }), NO_STATISTICS))).toEqual(['premium', 'unpriced', 'mini', 'tiny']);
  });

  it('refuses a deployment whose output limit is below max_tokens', () => {
    const limited = profilesOf({
      'provider/short': { price: { input: 0.01, output: 0.01 }, maxOutputTokens: 1_000 },
      'provider/mini': { price: { input: 1, output: 1 } },
    });
    const choose = lowestCostStrategy([target('short'), mini], { random, profiles: limited }, node());
    expect(choose(features({ maxOutputTokens: 4_000 }), NO_STATISTICS)[0].name).toBe('mini');
    expect(choose(features({ maxOutputTokens: 500 }), NO_STATISTICS)[0].name).toBe('short');
  });

  it('weighs input against output by the request: a long prompt favours cheap input', () => {
    const cheapInput = profilesOf({
      'provider/reader': { price: { input: 0.1, output: 10 } },
      'provider/writer': { price: { input: 2, output: 1 } },
    });
    const choose = lowestCostStrategy([target('reader'), target('writer')], { random, profiles: cheapInput }, node(500));
    // 100k in, 500 out: reader 0.01 + 0.005, writer 0.2 + 0.0005.
    expect(choose(features({ estimatedInputTokens: 100_000 }), NO_STATISTICS)[0].name).toBe('reader');
    // 100 in, 4,000 out: reader 0.04, writer 0.004.
    expect(choose(features({ estimatedInputTokens: 100, maxOutputTokens: 4_000 }), NO_STATISTICS)[0].name).toBe('writer');
  });

  it('puts a target whose breaker is open last', () => {
    expect(select(features({ estimatedInputTokens: 10 }), statistics({ 'provider/tiny': { breakerOpen: true } }))[0].name).toBe('mini');
    expect(names(select(features({ estimatedInputTokens: 10 }), statistics({ 'provider/tiny': { breakerOpen: true } }))).at(-1)).toBe('tiny');
  });

  it('prices a nested target at its cheapest capable deployment', () => {
    const pool = target('pool', { deployments: ['provider/premium', 'provider/tiny'] });
    const choose = lowestCostStrategy([mini, pool], { random, profiles }, node());
    expect(choose(features({ estimatedInputTokens: 100 }), NO_STATISTICS)[0].name).toBe('pool');
    expect(choose(features({ estimatedInputTokens: 100, hasTools: true }), NO_STATISTICS)[0].name).toBe('mini');
  });

  it('keeps config order when nothing is known', () => {
    const choose = lowestCostStrategy([premium, mini], { random }, node());
    expect(names(choose(features({ hasTools: true }), NO_STATISTICS))).toEqual(['premium', 'mini']);
  });
});

describe('estimatedCost', () => {
  it('prices input and output per million tokens, at the long-context tier the input reaches', () => {
    const price = { input: 1, output: 2, tiers: [{ inputTokensAbove: 200_000, input: 2, output: 4 }] };
    expect(estimatedCost(price, 1_000_000 / 10, 1_000)).toBeCloseTo(0.1 + 0.002);
    expect(estimatedCost(price, 300_000, 1_000)).toBeCloseTo(0.6 + 0.004);
  });
});

describe('canServe', () => {
  it('assumes what a profile does not say', () => {
    expect(canServe(undefined, features({ hasTools: true, hasImages: true, estimatedInputTokens: 10 ** 9 }))).toBe(true);
    expect(canServe({ tools: true }, features({ hasTools: true }))).toBe(true);
    expect(canServe({ tools: false }, features({ hasTools: true }))).toBe(false);
  });
});
