import { configSchema } from '@switchyard/shared';
import { CostRecommender, type CandidateModel, type RouteModelUsage } from './cost-recommendations';

/** Providers as configured; prices from the generated catalog unless the config names its own. */
function recommender(openAIPrices: Record<string, { input: number; output: number }> = {}): CostRecommender {
  return new CostRecommender(
    configSchema.parse({
      providers: {
        openai: { kind: 'openai', models: ['*'], prices: openAIPrices },
        anthropic: { kind: 'anthropic', models: ['claude-*'] },
      },
    }),
  );
}

const CANDIDATES: CandidateModel[] = [
  { provider: 'openai', model: 'gpt-4o' },
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'openai', model: 'gpt-4.1-mini' },
  { provider: 'openai', model: 'o4-mini' },
  { provider: 'openai', model: 'text-embedding-3-small' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5' },
];

const usage = (fields: Partial<RouteModelUsage>): RouteModelUsage => ({
  route: 'default',
  provider: 'openai',
  model: 'gpt-4o-2024-08-06',
  requests: 10,
  inputTokens: 100_000,
  outputTokens: 10_000,
  // gpt-4o: $2.50 in, $10 out per million tokens.
  costUsd: (100_000 * 2.5 + 10_000 * 10) / 1e6,
  ...fields,
});

describe('CostRecommender', () => {
  it('picks the cheapest model that has the served one’s capabilities and context window, priced on the same tokens', () => {
    const [recommendation, ...rest] = recommender().recommend([usage({})], CANDIDATES);
    expect(rest).toEqual([]);
    // gpt-4o-mini ($0.15 / $0.60) beats gpt-4.1-mini ($0.40 / $1.60); o4-mini reasons, which is more, but costs more.
    expect(recommendation).toMatchObject({ alternativeProvider: 'openai', alternativeModel: 'gpt-4o-mini', requests: 10 });
    expect(recommendation.alternativeCostUsd).toBeCloseTo((100_000 * 0.15 + 10_000 * 0.6) / 1e6, 12);
    expect(recommendation.savingsUsd).toBeCloseTo(recommendation.costUsd - recommendation.alternativeCostUsd, 12);
  });

  it('keeps capabilities the served model has: a reasoning model is replaced only by one that reasons', () => {
    // Claude Sonnet 4.5: reasoning, 200k context, $3 / $15.
    const sonnet = usage({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', costUsd: (100_000 * 3 + 10_000 * 15) / 1e6 });
    const [recommendation] = recommender().recommend([sonnet], CANDIDATES);
    expect(recommendation).toMatchObject({ alternativeModel: 'o4-mini' });
    expect(recommendation.alternativeCostUsd).toBeCloseTo((100_000 * 1.1 + 10_000 * 4.4) / 1e6, 12);
  });

  it('never offers a smaller context window, another mode, or the same model', () => {
    // gpt-4.1-mini has a 1M-token window: no candidate but itself has as much.
    expect(recommender().recommend([usage({ model: 'gpt-4.1-mini', costUsd: 1 })], CANDIDATES)).toEqual([]);
    const embeddings = usage({ model: 'text-embedding-3-large', outputTokens: 0, costUsd: 1 });
    expect(
      recommender().recommend(
        [embeddings],
        CANDIDATES.filter((candidate) => candidate.model !== 'text-embedding-3-small'),
      ),
    ).toEqual([]);
    expect(recommender().recommend([embeddings], CANDIDATES)).toMatchObject([{ alternativeModel: 'text-embedding-3-small' }]);
  });

  it('uses the config’s prices before the catalog’s', () => {
    const [recommendation] = recommender({ 'gpt-4o-mini': { input: 50, output: 50 } }).recommend([usage({})], CANDIDATES);
    expect(recommendation).toMatchObject({ alternativeModel: 'gpt-4.1-mini' });
  });

  it('says nothing without a basis: an unknown model, no recorded cost, no requests, nothing cheaper', () => {
    expect(recommender().recommend([usage({ model: 'my-fine-tune' })], CANDIDATES)).toEqual([]);
    expect(recommender().recommend([usage({ costUsd: 0 })], CANDIDATES)).toEqual([]);
    expect(recommender().recommend([usage({ requests: 0 })], CANDIDATES)).toEqual([]);
    expect(recommender().recommend([usage({ model: 'gpt-4o-mini', costUsd: (100_000 * 0.15 + 10_000 * 0.6) / 1e6 })], CANDIDATES)).toEqual([]);
  });

  it('orders by savings, largest first', () => {
    const small = usage({ route: 'small', requests: 1, inputTokens: 1_000, outputTokens: 100, costUsd: (1_000 * 2.5 + 100 * 10) / 1e6 });
    const large = usage({ route: 'large' });
    expect(
      recommender()
        .recommend([small, large], CANDIDATES)
        .map((recommendation) => recommendation.route),
    ).toEqual(['large', 'small']);
  });
});
