import type { Deployment, DeploymentProfile, DeploymentProfiles, ModelFactsLookup, ModelPrice, ProviderConfig } from '@switchyard/shared';
import { compileModelPattern, isModelPattern } from './model-catalog';

interface ProviderPrices {
  readonly exact: ReadonlyMap<string, ModelPrice>;
  readonly patterns: readonly (readonly [RegExp, ModelPrice])[];
}

/**
 * Profiles of deployments from the config and, when given, a model catalog:
 * the price is the provider's `prices` entry for the model (exact name, then
 * the first matching pattern), else the catalog's; context window and
 * capabilities are the catalog's. Asked when routes are compiled.
 */
export class ConfiguredDeploymentProfiles implements DeploymentProfiles {
  private readonly prices = new Map<string, ProviderPrices>();

  constructor(
    private readonly providers: Readonly<Record<string, Pick<ProviderConfig, 'kind' | 'prices'> & { preset?: string }>>,
    private readonly facts?: ModelFactsLookup,
  ) {
    for (const [providerId, provider] of Object.entries(providers)) {
      const exact = new Map<string, ModelPrice>();
      const patterns: [RegExp, ModelPrice][] = [];
      for (const [model, price] of Object.entries(provider.prices ?? {})) {
        if (isModelPattern(model)) patterns.push([compileModelPattern(model), price]);
        else exact.set(model, price);
      }
      this.prices.set(providerId, { exact, patterns });
    }
  }

  profileOf(deployment: Deployment): DeploymentProfile | undefined {
    const provider = this.providers[deployment.providerId];
    if (provider === undefined) return undefined;
    const prices = this.prices.get(deployment.providerId);
    const configured = prices?.exact.get(deployment.model) ?? prices?.patterns.find(([pattern]) => pattern.test(deployment.model))?.[1];
    const known = this.facts?.(provider, deployment.model);
    if (configured === undefined) return known;
    return { ...known, price: configured };
  }
}
