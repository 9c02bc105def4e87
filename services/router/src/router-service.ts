import {
  type CallContext,
  type DeploymentBudgets,
  type DiscoveredModels,
  type LiveStatistics,
  type ModelEntry,
  type ModelFactsLookup,
  NO_STATISTICS,
  type RequestFeatures,
  type RoutePlan,
  type RouterService,
  type SwitchyardConfig,
} from '@switchyard/shared';
import { ConfiguredDeploymentProfiles } from './deployment-profiles';
import { ModelCatalog } from './model-catalog';
import { RouteResolver } from './route-resolver';

export interface LocalRouterServiceOptions {
  /** Uniform in [0, 1), for `weighted` routes and exploration; Math.random unless a test injects another. */
  random?: () => number;
  /** What is known of each deployment right now (a `StatisticsTracker` fed by the gateway); nothing by default. */
  statistics?: LiveStatistics;
  /** Context windows, capabilities and prices of models (the provider adapters' catalog), for `lowest-cost`; the config's `prices` alone by default. */
  modelFacts?: ModelFactsLookup;
  /** Spent budgets, for `budget-aware` (governance); none by default. */
  budgets?: DeploymentBudgets;
}

/**
 * The router in-process: everything is worked out from the config at
 * construction, and again from the discovered model lists whenever they
 * change (`applyDiscoveredModels`).
 */
export class LocalRouterService implements RouterService {
  private readonly resolver: RouteResolver;
  private readonly providers: SwitchyardConfig['providers'];
  private models: readonly ModelEntry[];
  private discoveredVersion = 0;
  private readonly statistics: LiveStatistics;

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(config: SwitchyardConfig, options: LocalRouterServiceOptions = {}) {
    this.providers = config.providers;
    const catalog = new ModelCatalog(config.providers);
    this.statistics = options.statistics ?? NO_STATISTICS;
    this.resolver = new RouteResolver(config.routes, catalog, {
      random: options.random ?? Math.random,
      profiles: new ConfiguredDeploymentProfiles(config.providers, options.modelFacts),
      budgets: options.budgets,
    });
    this.models = this.listEntries(catalog);
  }

  /** Whether any provider is configured without `models`, so that discovered lists matter. */
  get followsDiscoveredModels(): boolean {
    return Object.values(this.providers).some((provider) => provider.models === undefined);
  }

  /**
   * Serves the providers configured without `models` from their discovered
   * lists: a model none of them lists is then a 404 before any upstream call.
   * Lists of a version already applied are ignored.
   */
  applyDiscoveredModels(discovered: DiscoveredModels): void {
    if (discovered.version === this.discoveredVersion) return;
    this.discoveredVersion = discovered.version;
    const catalog = new ModelCatalog(this.providers, discovered.providers);
    this.resolver.useCatalog(catalog);
    this.models = this.listEntries(catalog);
  }

  /** `features`: what strategies may know of the request; without them, only its model (as for embeddings). */
  async resolveRoute(model: string, _context?: CallContext, features?: RequestFeatures): Promise<RoutePlan> {
    return this.resolver.resolve(model, features, this.statistics);
  }

  /** Aliases (owned by `switchyard`), then each concrete model by its plain name, then as `providerId/model`. */
  async listModels(_context?: CallContext): Promise<ModelEntry[]> {
    return this.models.slice();
  }

  private listEntries(catalog: ModelCatalog): readonly ModelEntry[] {
    const seen = new Set<string>();
    const models: ModelEntry[] = [];
    const add = (entry: ModelEntry) => {
      if (seen.has(entry.id)) return;
      seen.add(entry.id);
      models.push(entry);
    };
    for (const alias of this.resolver.aliases) add(Object.freeze({ id: alias, ownedBy: 'switchyard' }));
    for (const entry of catalog.entries) add(entry);
    return Object.freeze(models);
  }
}
