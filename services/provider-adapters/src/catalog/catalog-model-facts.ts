import type { DeploymentProfile, ModelFactsLookup } from '@switchyard/shared';
import { catalogProviderId, ModelCatalogData } from './catalog-lookup';

/**
 * The catalog as the router's strategies read it: a model's price (as it
 * stands when asked), context window, output limit and capabilities at a
 * configured provider (its preset's or kind's catalog entry).
 */
export function catalogModelFacts(catalog: ModelCatalogData = new ModelCatalogData()): ModelFactsLookup {
  return (provider, model) => {
    const catalogId = catalogProviderId(provider);
    const info = catalog.modelInfo(catalogId, model);
    const price = catalog.priceOf(catalogId, model);
    if (info === undefined && price === undefined) return undefined;
    const profile: DeploymentProfile = {};
    if (price !== undefined) profile.price = price;
    if (info?.contextWindow !== undefined) profile.contextWindow = info.contextWindow;
    if (info?.maxOutputTokens !== undefined) profile.maxOutputTokens = info.maxOutputTokens;
    if (info?.tools !== undefined) profile.tools = info.tools;
    if (info?.vision !== undefined) profile.vision = info.vision;
    if (info?.jsonSchema !== undefined) profile.jsonSchema = info.jsonSchema;
    return profile;
  };
}
