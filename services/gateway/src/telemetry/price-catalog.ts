import type { ModelPrice, SwitchyardConfig, Usage } from '@switchyard/shared';
import { compileModelPattern, isModelPattern } from '@switchyard/router';

export interface RequestCost {
  inputUsd: number;
  outputUsd: number;
  totalUsd: number;
}

const PER_MILLION = 1_000_000;

/**
 * Prices from each provider's `prices` in the config, by exact model name
 * first, then by the first glob pattern that matches.
 */
export class PriceCatalog {
  private readonly byProvider = new Map<string, { exact: Map<string, ModelPrice>; patterns: [RegExp, ModelPrice][] }>();

  constructor(config: SwitchyardConfig) {
    for (const [providerId, provider] of Object.entries(config.providers)) {
      const exact = new Map<string, ModelPrice>();
      const patterns: [RegExp, ModelPrice][] = [];
      for (const [model, price] of Object.entries(provider.prices)) {
        if (isModelPattern(model)) patterns.push([compileModelPattern(model), price]);
        else exact.set(model, price);
      }
      this.byProvider.set(providerId, { exact, patterns });
    }
  }

  /** The price of the first of `models` that has one (e.g. the served model, then the deployment's). */
  priceOf(providerId: string, ...models: string[]): ModelPrice | undefined {
    const prices = this.byProvider.get(providerId);
    if (!prices) return undefined;
    for (const model of models) {
      const price = prices.exact.get(model) ?? prices.patterns.find(([pattern]) => pattern.test(model))?.[1];
      if (price) return price;
    }
    return undefined;
  }
}

/**
 * Applies a price to token counts. `usage.inputTokens` includes cache reads
 * and writes (see `Usage`), which are priced at their own rates when set.
 */
export function costOf(price: ModelPrice, usage: Usage): RequestCost {
  const cached = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - cached - cacheWrite);
  const inputUsd =
    (uncached * price.input + cached * (price.cachedInput ?? price.input) + cacheWrite * (price.cacheWrite ?? price.input)) / PER_MILLION;
  const outputUsd = (usage.outputTokens * price.output) / PER_MILLION;
  return { inputUsd, outputUsd, totalUsd: inputUsd + outputUsd };
}
