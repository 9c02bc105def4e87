import type { Deployment } from '../canonical';
import type { ModelPrice, ProviderConfig } from '../config/config-schema';

/**
 * What cost- and capability-aware strategies know of a deployment's model:
 * its price and limits from the provider's `prices` in the config and the
 * model catalog. An absent field is not known, and nothing is refused for it.
 */
export interface DeploymentProfile {
  /** USD per million tokens. */
  price?: ModelPrice;
  /** Input tokens the model takes at most. */
  contextWindow?: number;
  /** Output tokens the model writes at most. */
  maxOutputTokens?: number;
  tools?: boolean;
  /** Image input. */
  vision?: boolean;
  /** `response_format` with a JSON schema. */
  jsonSchema?: boolean;
}

/** Profiles by deployment, looked up when a route is compiled (not per request). */
export interface DeploymentProfiles {
  profileOf(deployment: Deployment): DeploymentProfile | undefined;
}

/** Nothing is known of any deployment. */
export const NO_PROFILES: DeploymentProfiles = { profileOf: () => undefined };

/**
 * What a model catalog says of `model` served by a configured provider
 * (the provider-adapters' generated catalog implements it); the config's
 * `prices` take precedence over its price.
 */
export type ModelFactsLookup = (provider: Pick<ProviderConfig, 'kind'> & { preset?: string }, model: string) => DeploymentProfile | undefined;
