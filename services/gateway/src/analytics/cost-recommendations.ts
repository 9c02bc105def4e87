import type { SwitchyardConfig } from '@switchyard/shared';
import { catalogProviderId, ModelCatalogData, type CatalogModelInfo } from '@switchyard/provider-adapters';
import { costOf, PriceCatalog } from '../telemetry/price-catalog';

/** What one route sent to one served model over a period, as recorded. */
export interface RouteModelUsage {
  /** The model or alias the client asked for. */
  route: string;
  provider: string;
  /** The model that served it. */
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** The recorded cost. */
  costUsd: number;
}

/** A model the gateway can send requests to. */
export interface CandidateModel {
  provider: string;
  model: string;
}

export interface CostRecommendation extends RouteModelUsage {
  alternativeProvider: string;
  alternativeModel: string;
  /** What the same requests, with the same tokens, would have cost on the alternative. */
  alternativeCostUsd: number;
  savingsUsd: number;
}

const CAPABILITIES = ['tools', 'vision', 'jsonSchema', 'reasoning'] as const;

/**
 * For each route and served model, the cheapest model among the candidates
 * that the catalog says can do everything the served one can (same mode,
 * every capability it has, a context window at least as large), priced on
 * the same traffic: the same number of requests with the same average input
 * and output tokens (so long-context tiers apply as they would per request).
 * A served model the catalog does not know, or traffic without a recorded
 * cost, gets no recommendation: nothing would back it.
 */
export class CostRecommender {
  private config: SwitchyardConfig;
  private prices: PriceCatalog;

  constructor(
    config: SwitchyardConfig,
    private readonly catalog: ModelCatalogData = new ModelCatalogData(),
  ) {
    this.config = config;
    this.prices = new PriceCatalog(config, catalog);
  }

  /** The providers and prices of a reloaded config. */
  applyConfig(config: SwitchyardConfig): void {
    this.config = config;
    this.prices.applyConfig(config);
  }

  /** Recommendations with savings, largest savings first. */
  recommend(usage: readonly RouteModelUsage[], candidates: readonly CandidateModel[], at: Date = new Date()): CostRecommendation[] {
    const recommendations: CostRecommendation[] = [];
    for (const row of usage) {
      if (row.requests === 0 || row.costUsd <= 0) continue;
      const current = this.info(row.provider, row.model);
      if (!current) continue;
      let best: CostRecommendation | undefined;
      for (const candidate of candidates) {
        if (candidate.provider === row.provider && candidate.model === row.model) continue;
        const info = this.info(candidate.provider, candidate.model);
        if (!info || !canReplace(current, info)) continue;
        const price = this.prices.priceOf(candidate.provider, [candidate.model], at);
        if (!price) continue;
        const perRequest = costOf(price.price, {
          inputTokens: row.inputTokens / row.requests,
          outputTokens: row.outputTokens / row.requests,
        });
        const alternativeCostUsd = perRequest.totalUsd * row.requests;
        const savingsUsd = row.costUsd - alternativeCostUsd;
        if (savingsUsd > 0 && (!best || savingsUsd > best.savingsUsd)) {
          best = { ...row, alternativeProvider: candidate.provider, alternativeModel: candidate.model, alternativeCostUsd, savingsUsd };
        }
      }
      if (best) recommendations.push(best);
    }
    return recommendations.sort((a, b) => b.savingsUsd - a.savingsUsd);
  }

  private info(providerId: string, model: string): CatalogModelInfo | undefined {
    const provider = this.config.providers[providerId];
    return provider ? this.catalog.modelInfo(catalogProviderId(provider), model) : undefined;
  }
}

/** The candidate has the served model's mode, each of its capabilities, and at least its context window. */
function canReplace(current: CatalogModelInfo, candidate: CatalogModelInfo): boolean {
  if ((current.mode ?? 'chat') !== (candidate.mode ?? 'chat')) return false;
  if (CAPABILITIES.some((capability) => current[capability] === true && candidate[capability] !== true)) return false;
  if (current.contextWindow != null && (candidate.contextWindow == null || candidate.contextWindow < current.contextWindow)) return false;
  return true;
}
