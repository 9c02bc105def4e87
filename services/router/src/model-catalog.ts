import type { Deployment, DiscoveredModels, ModelEntry } from '@switchyard/shared';

/** The pattern that accepts any model. */
export const ANY_MODEL = '*';

/** A model name with a `*` in it is a pattern: `*` matches any run of characters, slashes included. */
export function isModelPattern(name: string): boolean {
  return name.includes('*');
}

export function compileModelPattern(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

/** Deployments are shared between requests, so they are frozen. */
export function createDeployment(providerId: string, model: string): Deployment {
  return Object.freeze({ id: `${providerId}/${model}`, providerId, model });
}

interface ProviderModels {
  /** Concrete models, each with its deployment. */
  readonly exact: ReadonlyMap<string, Deployment>;
  /** Patterns other than `*`, in config order. */
  readonly patterns: readonly RegExp[];
  readonly acceptsAnyModel: boolean;
}

interface ProviderPattern {
  readonly providerId: string;
  readonly pattern: RegExp;
}

/**
 * Which provider serves which model, worked out once from the `providers`
 * section. Concrete models resolve with one map lookup to a shared
 * deployment; only a match on a pattern builds a new one.
 */
export class ModelCatalog {
  private readonly providers = new Map<string, ProviderModels>();
  /** Concrete model → deployment at the first provider, in config order, that lists it. */
  private readonly byModel = new Map<string, Deployment>();
  /** `providerId/model` → deployment, for every concrete model. */
  private readonly byDeploymentId = new Map<string, Deployment>();
  /** Every provider's patterns other than `*`, provider by provider in config order. */
  private readonly patterns: ProviderPattern[] = [];
  /** The first provider that lists `*`. */
  private readonly anyModelProviderId: string | undefined;
  /** Plain names first (first provider wins), then every `providerId/model`. */
  readonly entries: readonly ModelEntry[];

  /** `discovered`: the lists providers configured without `models` gave of themselves (model discovery). */
  constructor(providers: Readonly<Record<string, { readonly models?: readonly string[] }>>, discovered: DiscoveredModels['providers'] = {}) {
    let anyModelProviderId: string | undefined;
    const plainEntries: ModelEntry[] = [];
    const qualifiedEntries: ModelEntry[] = [];
    for (const [providerId, provider] of Object.entries(providers)) {
      const exact = new Map<string, Deployment>();
      const patterns: RegExp[] = [];
      let acceptsAnyModel = false;
      // A provider without a list accepts any model until its own list is known (discovery).
      for (const model of provider.models ?? discovered[providerId] ?? [ANY_MODEL]) {
        if (model === ANY_MODEL) {
          acceptsAnyModel = true;
          anyModelProviderId ??= providerId;
        } else if (isModelPattern(model)) {
          const pattern = compileModelPattern(model);
          patterns.push(pattern);
          this.patterns.push({ providerId, pattern });
        } else if (!exact.has(model)) {
          const deployment = createDeployment(providerId, model);
          exact.set(model, deployment);
          this.byDeploymentId.set(deployment.id, deployment);
          qualifiedEntries.push(Object.freeze({ id: deployment.id, ownedBy: providerId }));
          if (!this.byModel.has(model)) {
            this.byModel.set(model, deployment);
            plainEntries.push(Object.freeze({ id: model, ownedBy: providerId }));
          }
        }
      }
      this.providers.set(providerId, { exact, patterns, acceptsAnyModel });
    }
    this.anyModelProviderId = anyModelProviderId;
    this.entries = Object.freeze([...plainEntries, ...qualifiedEntries]);
  }

  get isEmpty(): boolean {
    return this.providers.size === 0;
  }

  hasProvider(providerId: string): boolean {
    return this.providers.has(providerId);
  }

  /** The deployment with this id (`providerId/model`), if it is a concrete model of a provider. */
  findById(deploymentId: string): Deployment | undefined {
    return this.byDeploymentId.get(deploymentId);
  }

  /** `model` at `providerId`, if that provider lists it or a pattern that matches it. */
  find(providerId: string, model: string): Deployment | undefined {
    const provider = this.providers.get(providerId);
    if (provider === undefined || model.length === 0) return undefined;
    const deployment = provider.exact.get(model);
    if (deployment !== undefined) return deployment;
    if (provider.acceptsAnyModel) return createDeployment(providerId, model);
    for (const pattern of provider.patterns) {
      if (pattern.test(model)) return createDeployment(providerId, model);
    }
    return undefined;
  }

  /**
   * `model` at the first provider that lists it; else at the first provider
   * with a pattern that matches it; else at the first provider that lists `*`.
   */
  findByModel(model: string): Deployment | undefined {
    if (model.length === 0) return undefined;
    const deployment = this.byModel.get(model);
    if (deployment !== undefined) return deployment;
    for (const { providerId, pattern } of this.patterns) {
      if (pattern.test(model)) return createDeployment(providerId, model);
    }
    return this.anyModelProviderId === undefined ? undefined : createDeployment(this.anyModelProviderId, model);
  }
}
