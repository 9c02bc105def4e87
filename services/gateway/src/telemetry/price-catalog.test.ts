import { loadConfig } from '@switchyard/shared';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf, PriceCatalog } from './price-catalog';

function catalog(yaml: string): PriceCatalog {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-prices-')), 'switchyard.yaml');
  writeFileSync(path, yaml);
  return new PriceCatalog(loadConfig(path, {}).config);
}

const prices = catalog(`
providers:
  openai:
    kind: openai
    models: ['*']
    prices:
      gpt-4o-mini: { input: 0.15, output: 0.6, cachedInput: 0.075 }
      'gpt-4o*': { input: 2.5, output: 10 }
      '*': { input: 1, output: 1 }
  anthropic:
    kind: anthropic
    models: ['claude-*']
    prices:
      'claude-sonnet-*': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 }
`);

describe('PriceCatalog', () => {
  it('prefers an exact model name over patterns, and patterns in config order', () => {
    expect(prices.priceOf('openai', 'gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(prices.priceOf('openai', 'gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(prices.priceOf('openai', 'o3')).toEqual({ input: 1, output: 1 });
  });

  it('tries the served model first, then the deployment model', () => {
    expect(prices.priceOf('anthropic', 'unknown-snapshot', 'claude-sonnet-4-5')).toMatchObject({ input: 3 });
    expect(prices.priceOf('anthropic', 'claude-sonnet-4-5-20250929', 'x')).toMatchObject({ input: 3 });
  });

  it('has no price for an unknown provider or an unpriced model', () => {
    expect(prices.priceOf('mistral', 'mistral-large')).toBeUndefined();
    expect(prices.priceOf('anthropic', 'claude-3-5-haiku-latest')).toBeUndefined();
  });
});

describe('costOf', () => {
  it('prices input and output per million tokens', () => {
    const cost = costOf({ input: 0.15, output: 0.6 }, { inputTokens: 1_000_000, outputTokens: 500_000 });
    expect(cost.inputUsd).toBeCloseTo(0.15, 12);
    expect(cost.outputUsd).toBeCloseTo(0.3, 12);
    expect(cost.totalUsd).toBeCloseTo(0.45, 12);
  });

  it('prices cache reads and writes at their own rates, out of the input count', () => {
    const cost = costOf(
      { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
      { inputTokens: 2_000, cachedInputTokens: 1_000, cacheWriteTokens: 500, outputTokens: 100 },
    );
    // 500 uncached × 3 + 1,000 cached × 0.3 + 500 written × 3.75, per million
    expect(cost.inputUsd).toBeCloseTo((500 * 3 + 1_000 * 0.3 + 500 * 3.75) / 1e6, 15);
    expect(cost.outputUsd).toBeCloseTo((100 * 15) / 1e6, 15);
    expect(cost.totalUsd).toBeCloseTo(cost.inputUsd + cost.outputUsd, 15);
  });

  it('falls back to the input rate for cache tokens without their own price', () => {
    const cost = costOf({ input: 2, output: 0 }, { inputTokens: 100, cachedInputTokens: 60, outputTokens: 0 });
    expect(cost.inputUsd).toBeCloseTo((100 * 2) / 1e6, 15);
  });
});
