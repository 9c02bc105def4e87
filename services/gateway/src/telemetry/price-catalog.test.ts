import { loadConfig } from '@switchyard/shared';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf, PriceCatalog } from './price-catalog';

function configOf(yaml: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-prices-')), 'switchyard.yaml');
  writeFileSync(path, yaml);
  return loadConfig(path, {}).config;
}

function catalog(yaml: string): PriceCatalog {
  return new PriceCatalog(configOf(yaml));
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
    expect(prices.priceOf('openai', ['gpt-4o-mini'])).toEqual({ price: { input: 0.15, output: 0.6, cachedInput: 0.075 }, source: 'config' });
    expect(prices.priceOf('openai', ['gpt-4o-2024-08-06'])).toEqual({ price: { input: 2.5, output: 10 }, source: 'config' });
    expect(prices.priceOf('openai', ['o3'])).toEqual({ price: { input: 1, output: 1 }, source: 'config' });
  });

  it('tries the served model first, then the deployment model', () => {
    expect(prices.priceOf('anthropic', ['unknown-snapshot', 'claude-sonnet-4-5'])).toMatchObject({ price: { input: 3 }, source: 'config' });
    expect(prices.priceOf('anthropic', ['claude-sonnet-4-5-20250929', 'x'])).toMatchObject({ price: { input: 3 }, source: 'config' });
  });

  it('takes the catalog price of the provider kind when the config has none', () => {
    // claude-3-5-haiku is in the catalog, not in the config's `claude-sonnet-*` prices.
    expect(prices.priceOf('anthropic', ['claude-3-5-haiku-latest'])).toEqual({
      price: { input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1 },
      source: 'catalog',
    });
    // A config price for the deployment model wins over the catalog's for the served model.
    expect(prices.priceOf('anthropic', ['claude-3-5-haiku-20241022', 'claude-sonnet-4-5'])).toMatchObject({ price: { input: 3 }, source: 'config' });
  });

  it('prices an OpenAI-compatible preset from its own catalog entry, with dated and off-peak rates at the request time', () => {
    const presets = catalog(`
providers:
  deepseek:
    kind: openai
    preset: deepseek
    baseUrl: https://api.deepseek.com
    models: ['*']
`);
    // Standard rate 00:30–16:30 UTC, the discounted one the rest of the day.
    expect(presets.priceOf('deepseek', ['deepseek-chat'], new Date('2026-06-01T12:00:00Z'))?.price).toMatchObject({ input: 0.27, output: 1.1 });
    expect(presets.priceOf('deepseek', ['deepseek-chat'], new Date('2026-06-01T20:00:00Z'))?.price).toMatchObject({ input: 0.135, output: 0.55 });
  });

  it('reads reasoning rates and long-context tiers from the config, and refuses a tier without its threshold', () => {
    const tiered = catalog(`
providers:
  gemini:
    kind: gemini
    models: ['*']
    prices:
      gemini-2.5-pro: { input: 1.25, output: 10, reasoning: 10, tiers: [{ inputTokensAbove: 200000, input: 2.5, output: 15 }] }
`);
    expect(tiered.priceOf('gemini', ['gemini-2.5-pro'])).toEqual({
      price: { input: 1.25, output: 10, reasoning: 10, tiers: [{ inputTokensAbove: 200_000, input: 2.5, output: 15 }] },
      source: 'config',
    });
    expect(() =>
      catalog(`
providers:
  gemini:
    kind: gemini
    prices:
      gemini-2.5-pro: { input: 1.25, output: 10, tiers: [{ input: 2.5 }] }
`),
    ).toThrow(/inputTokensAbove/);
  });

  it('has no price for an unknown provider or a model neither the config nor the catalog prices', () => {
    expect(prices.priceOf('mistral', ['mistral-large'])).toBeUndefined();
    expect(prices.priceOf('anthropic', ['no-such-model'])).toBeUndefined();
  });
});

describe('PriceCatalog.applyConfig', () => {
  it('prices the providers of a reloaded config, and keeps a removed provider priced for its requests still running', () => {
    const reloaded = catalog(`
providers:
  local: { kind: openai, baseUrl: 'http://127.0.0.1:11434/v1', models: ['m'], prices: { m: { input: 1, output: 2 } } }
`);
    reloaded.applyConfig(
      configOf(`
providers:
  other: { kind: openai, baseUrl: 'http://127.0.0.1:11435/v1', models: ['m'], prices: { m: { input: 5, output: 6 } } }
`),
    );
    expect(reloaded.priceOf('other', ['m'])).toEqual({ price: { input: 5, output: 6 }, source: 'config' });
    expect(reloaded.priceOf('local', ['m'])).toEqual({ price: { input: 1, output: 2 }, source: 'config' });

    // A provider configured again takes its new prices.
    reloaded.applyConfig(
      configOf(`
providers:
  local: { kind: openai, baseUrl: 'http://127.0.0.1:11434/v1', models: ['m'], prices: { m: { input: 3, output: 4 } } }
`),
    );
    expect(reloaded.priceOf('local', ['m'])).toEqual({ price: { input: 3, output: 4 }, source: 'config' });
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

  it('prices reasoning tokens at their own rate when the price has one, out of the output count', () => {
    const cost = costOf({ input: 1, output: 4, reasoning: 10 }, { inputTokens: 0, outputTokens: 1_000, reasoningTokens: 600 });
    expect(cost.outputUsd).toBeCloseTo((400 * 4 + 600 * 10) / 1e6, 15);
    // Without a reasoning rate, reasoning is output.
    expect(costOf({ input: 1, output: 4 }, { inputTokens: 0, outputTokens: 1_000, reasoningTokens: 600 }).outputUsd).toBeCloseTo(4_000 / 1e6, 15);
  });

  it('applies the highest long-context tier the input exceeds to every token of the request', () => {
    const price = {
      input: 3,
      output: 15,
      cachedInput: 0.3,
      tiers: [
        { inputTokensAbove: 200_000, input: 6, output: 22.5 },
        { inputTokensAbove: 500_000, input: 9 },
      ],
    };
    const atThreshold = costOf(price, { inputTokens: 200_000, outputTokens: 1_000 });
    expect(atThreshold.totalUsd).toBeCloseTo((200_000 * 3 + 1_000 * 15) / 1e6, 12);
    const above = costOf(price, { inputTokens: 200_001, cachedInputTokens: 1, outputTokens: 1_000 });
    // cachedInput keeps its base rate: the tier does not change it.
    expect(above.inputUsd).toBeCloseTo((200_000 * 6 + 1 * 0.3) / 1e6, 12);
    expect(above.outputUsd).toBeCloseTo((1_000 * 22.5) / 1e6, 12);
    // Only the rates a tier names change; the rest come from the base price.
    const highest = costOf(price, { inputTokens: 600_000, outputTokens: 1_000 });
    expect(highest.inputUsd).toBeCloseTo((600_000 * 9) / 1e6, 12);
    expect(highest.outputUsd).toBeCloseTo((1_000 * 15) / 1e6, 12);
  });
});

describe('costOf for audio transcriptions', () => {
  it('takes audio input rates from the catalog', () => {
    const found = catalog('providers:\n  openai: { kind: openai }\n').priceOf('openai', ['gpt-4o-transcribe']);
    expect(found).toEqual({ price: { input: 2.5, output: 10, audioInput: 6 }, source: 'catalog' });
  });

  it('prices seconds of audio at audioPerMinute, as input', () => {
    const cost = costOf({ input: 0, output: 0, audioPerMinute: 0.006 }, { inputTokens: 0, outputTokens: 0 }, { seconds: 90 });
    expect(cost.inputUsd).toBeCloseTo(0.009, 12);
    expect(cost.outputUsd).toBe(0);
    expect(cost.totalUsd).toBeCloseTo(0.009, 12);
  });

  it('prices audio tokens at audioInput and the rest of the input at input', () => {
    const cost = costOf({ input: 2.5, output: 10, audioInput: 6 }, { inputTokens: 1_000, outputTokens: 200 }, { inputTokens: 800 });
    expect(cost.inputUsd).toBeCloseTo((800 * 6 + 200 * 2.5) / 1e6, 12);
    expect(cost.outputUsd).toBeCloseTo((200 * 10) / 1e6, 12);
  });

  it('prices audio tokens at input where the price has no audio rate, and ignores seconds without audioPerMinute', () => {
    const cost = costOf({ input: 2.5, output: 10 }, { inputTokens: 1_000, outputTokens: 0 }, { inputTokens: 800, seconds: 60 });
    expect(cost.inputUsd).toBeCloseTo((1_000 * 2.5) / 1e6, 12);
  });

  it('never counts more audio tokens than input tokens', () => {
    const cost = costOf({ input: 1, output: 1, audioInput: 2 }, { inputTokens: 10, outputTokens: 0 }, { inputTokens: 50 });
    expect(cost.inputUsd).toBeCloseTo((10 * 2) / 1e6, 12);
  });
});
