import type { ModelPrice, ProviderConfig } from '@switchyard/shared';
import { catalogData } from './catalog-data';
import type { CatalogData, CatalogModel, CatalogPriceEntry, ConditionalPrice, ModelCapabilities } from './catalog-types';
import { matchesModel } from './model-match';

/** What the catalog knows of one model at one provider. */
export interface CatalogModelInfo extends ModelCapabilities {
  /** Chat or embedding, when the catalog lists the model itself. */
  mode?: CatalogModel['mode'];
  contextWindow?: number;
  maxOutputTokens?: number;
}

/**
 * The catalog's provider for a configured provider: an OpenAI-compatible
 * preset by its own id, a native kind by its kind; Vertex serves Gemini at
 * Google's prices.
 */
export function catalogProviderId(provider: Pick<ProviderConfig, 'kind'> & { preset?: string }): string {
  if (provider.kind === 'openai' && provider.preset) return provider.preset;
  return provider.kind === 'vertex' ? 'gemini' : provider.kind;
}

/** Prices, context windows and capabilities generated from the pricing data (see scripts/generate-catalog.mjs). */
export class ModelCatalogData {
  constructor(private readonly data: CatalogData = catalogData) {}

  get sources(): CatalogData['sources'] {
    return this.data.sources;
  }

  /**
   * The price of `model` at `providerId` in force at `at`: the first price
   * entry whose rule accepts the name (then those of the fallback providers),
   * else the exact model's own price.
   */
  priceOf(providerId: string, model: string, at: Date = new Date()): ModelPrice | undefined {
    const entry = this.priceEntry(providerId, model);
    if (entry) return priceInForce(entry.prices, at);
    return this.exactModel(providerId, model)?.price;
  }

  /** Context window and capabilities; undefined when the catalog does not know the model. */
  modelInfo(providerId: string, model: string): CatalogModelInfo | undefined {
    const entry = this.priceEntry(providerId, model);
    const exact = this.exactModel(providerId, model) ?? (entry ? this.exactModel(providerId, entry.id) : undefined);
    if (!exact && !entry) return undefined;
    const info: CatalogModelInfo = {};
    const contextWindow = exact?.contextWindow ?? entry?.contextWindow;
    if (contextWindow != null) info.contextWindow = contextWindow;
    if (exact?.maxOutputTokens != null) info.maxOutputTokens = exact.maxOutputTokens;
    if (exact?.mode != null) info.mode = exact.mode;
    for (const capability of ['tools', 'vision', 'jsonSchema', 'reasoning'] as const) {
      if (exact?.[capability] != null) info[capability] = exact[capability];
    }
    return info;
  }

  private priceEntry(providerId: string, model: string): CatalogPriceEntry | undefined {
    const provider = this.data.providers[providerId];
    if (!provider) return undefined;
    for (const id of [providerId, ...(provider.fallback ?? [])]) {
      const entry = this.data.providers[id]?.prices.find((candidate) => matchesModel(candidate.match, model));
      if (entry) return entry;
    }
    return undefined;
  }

  private exactModel(providerId: string, model: string): CatalogModel | undefined {
    const models = this.data.providers[providerId]?.models;
    return models && Object.hasOwn(models, model) ? models[model] : undefined;
  }
}

/** The last of the prices whose date and daily window (UTC) hold at `at`. */
function priceInForce(prices: ConditionalPrice[], at: Date): ModelPrice | undefined {
  const day = at.toISOString().slice(0, 10);
  const time = at.toISOString().slice(11, 19);
  let current: ModelPrice | undefined;
  for (const conditional of prices) {
    if (conditional.startDate && day < conditional.startDate) continue;
    if (conditional.startTime && conditional.endTime && !(conditional.startTime <= time && time < conditional.endTime)) continue;
    current = conditional.price;
  }
  return current;
}
