import type { ModelPrice, SwitchyardConfig, Usage } from '@switchyard/shared';
import { catalogProviderId, ModelCatalogData } from '@switchyard/provider-adapters';
import { compileModelPattern, isModelPattern } from '@switchyard/router';

export interface RequestCost {
  inputUsd: number;
  outputUsd: number;
  totalUsd: number;
}

/** Where a price came from: the provider's `prices` in the config, or the generated model catalog. */
export type PriceSource = 'config' | 'catalog';

export interface FoundPrice {
  price: ModelPrice;
  source: PriceSource;
}

const PER_MILLION = 1_000_000;

/** What a transcription used besides tokens: seconds of audio, and the audio tokens among its input tokens. */
export interface AudioUsage {
  seconds?: number;
  inputTokens?: number;
}

/**
 * Prices from each provider's `prices` in the config (by exact model name
 * first, then by the first glob pattern that matches), else from the model
 * catalog of the provider's kind or preset.
 */
export class PriceCatalog {
  private byProvider: ReadonlyMap<string, ProviderPrices>;

  constructor(
    config: SwitchyardConfig,
    private readonly catalog: ModelCatalogData = new ModelCatalogData(),
  ) {
    this.byProvider = pricesByProvider(config);
  }

  /**
   * Prices from a reloaded config. A provider it no longer has keeps its
   * prices, for the requests still running on it when the reload came.
   */
  applyConfig(config: SwitchyardConfig): void {
    const next = new Map(this.byProvider);
    for (const [providerId, prices] of pricesByProvider(config)) next.set(providerId, prices);
    this.byProvider = next;
  }

  /**
   * The price of the first of `models` that has one (e.g. the served model,
   * then the deployment's): the config's for any of them before the
   * catalog's, whose dated and off-peak rates are taken as they stand at `at`.
   */
  priceOf(providerId: string, models: readonly string[], at: Date = new Date()): FoundPrice | undefined {
    const prices = this.byProvider.get(providerId);
    if (!prices) return undefined;
    for (const model of models) {
      const price = prices.exact.get(model) ?? prices.patterns.find(([pattern]) => pattern.test(model))?.[1];
      if (price) return { price, source: 'config' };
    }
    for (const model of models) {
      const price = model ? this.catalog.priceOf(prices.catalogId, model, at) : undefined;
      if (price) return { price, source: 'catalog' };
    }
    return undefined;
  }
}

interface ProviderPrices {
  exact: Map<string, ModelPrice>;
  patterns: [RegExp, ModelPrice][];
  catalogId: string;
}

function pricesByProvider(config: SwitchyardConfig): Map<string, ProviderPrices> {
  const byProvider = new Map<string, ProviderPrices>();
  for (const [providerId, provider] of Object.entries(config.providers)) {
    const exact = new Map<string, ModelPrice>();
    const patterns: [RegExp, ModelPrice][] = [];
    for (const [model, price] of Object.entries(provider.prices)) {
      if (isModelPattern(model)) patterns.push([compileModelPattern(model), price]);
      else exact.set(model, price);
    }
    byProvider.set(providerId, { exact, patterns, catalogId: catalogProviderId(provider) });
  }
  return byProvider;
}

/**
 * Applies a price to token counts. `usage.inputTokens` includes cache reads
 * and writes, and `outputTokens` reasoning (see `Usage`); each is priced at
 * its own rate when the price has one. Past a tier's input threshold, the
 * tier's rates apply to the whole request. A transcription's audio tokens
 * are priced at `audioInput`, and its seconds at `audioPerMinute` (both
 * input cost), where the price has them.
 */
export function costOf(price: ModelPrice, usage: Usage, audio?: AudioUsage): RequestCost {
  const rates = ratesFor(price, usage.inputTokens);
  const cached = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const audioTokens = rates.audioInput == null ? 0 : Math.min(audio?.inputTokens ?? 0, usage.inputTokens);
  const uncached = Math.max(0, usage.inputTokens - cached - cacheWrite - audioTokens);
  const audioUsd = audioTokens * (rates.audioInput ?? 0) + (((audio?.seconds ?? 0) * (rates.audioPerMinute ?? 0)) / 60) * PER_MILLION;
  const inputUsd =
    (uncached * rates.input + cached * (rates.cachedInput ?? rates.input) + cacheWrite * (rates.cacheWrite ?? rates.input) + audioUsd) / PER_MILLION;
  const reasoning = rates.reasoning == null ? 0 : Math.min(usage.reasoningTokens ?? 0, usage.outputTokens);
  const outputUsd = ((usage.outputTokens - reasoning) * rates.output + reasoning * (rates.reasoning ?? rates.output)) / PER_MILLION;
  return { inputUsd, outputUsd, totalUsd: inputUsd + outputUsd };
}

/** The base rates, overridden by those of the highest tier the request's input exceeds. */
function ratesFor(price: ModelPrice, inputTokens: number): Omit<ModelPrice, 'tiers'> {
  const { tiers, ...base } = price;
  let reached: NonNullable<ModelPrice['tiers']>[number] | undefined;
  for (const tier of tiers ?? []) {
    if (inputTokens > tier.inputTokensAbove && (!reached || tier.inputTokensAbove > reached.inputTokensAbove)) reached = tier;
  }
  if (!reached) return base;
  const { inputTokensAbove: _threshold, ...tierRates } = reached;
  const rates = { ...base };
  for (const [name, rate] of Object.entries(tierRates) as [keyof typeof tierRates, number | undefined][]) {
    if (rate != null) rates[name] = rate;
  }
  return rates;
}
