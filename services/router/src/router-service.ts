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
} from '@switchyard/shared';
import { ConfiguredDeploymentProfiles } from './deployment-profiles';
import { ModelCatalog } from './model-catalog';
import { RouteResolver } from './route-resolver';
import type { RoutingConfig } from './snapshots/routing-view';

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

/** What resolves routes for one config: swapped whole, so a request sees one config from start to end. */
interface RoutingState {
  readonly config: RoutingConfig;
  readonly resolver: RouteResolver;
  readonly models: readonly ModelEntry[];
}

/**
 * The router in-process: everything is worked out from the config at
 * construction, again from the discovered model lists whenever they change
 * (`applyDiscoveredModels`), and from a new config (`applyConfig`).
 */
export class LocalRouterService implements RouterService {
  private state: RoutingState;
  private discovered: DiscoveredModels['providers'] = {};
  private discoveredVersion = 0;
  private readonly random: () => number;
  private readonly statistics: LiveStatistics;
  private readonly modelFacts?: ModelFactsLookup;
  private readonly budgets?: DeploymentBudgets;
  private readonly listeners = new Set<() => void>();

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(config: RoutingConfig, options: LocalRouterServiceOptions = {}) {
    this.random = options.random ?? Math.random;
    this.statistics = options.statistics ?? NO_STATISTICS;
    this.modelFacts = options.modelFacts;
    this.budgets = options.budgets;
    this.state = this.build(config);
  }

  /** Whether any provider is configured without `models`, so that discovered lists matter. */
  get followsDiscoveredModels(): boolean {
    return Object.values(this.state.config.providers).some((provider) => provider.models === undefined);
  }

  /** The config routes are resolved with now. */
  get routingConfig(): RoutingConfig {
    return this.state.config;
  }

  /** The discovered lists applied last, by provider id. */
  get discoveredModels(): DiscoveredModels['providers'] {
    return this.discovered;
  }

  /**
   * Resolves with `config` from now on: it is checked in full first (throws
   * `ConfigError` naming the path, and the old config keeps serving), then
   * swapped in one assignment; plans already made are unaffected. Discovered
   * lists still apply. Listeners (`onChange`) are told.
   */
  applyConfig(config: RoutingConfig): void {
    this.state = this.build(config);
    this.changed();
  }

  /**
   * Serves the providers configured without `models` from their discovered
   * lists: a model none of them lists is then a 404 before any upstream call.
   * Lists of a version already applied are ignored.
   */
  applyDiscoveredModels(discovered: DiscoveredModels): void {
    if (discovered.version === this.discoveredVersion) return;
    this.discoveredVersion = discovered.version;
    this.discovered = discovered.providers;
    const catalog = new ModelCatalog(this.state.config.providers, discovered.providers);
    this.state.resolver.useCatalog(catalog);
    this.state = { ...this.state, models: this.listEntries(this.state.resolver, catalog) };
    this.changed();
  }

  /** Calls `listener` after every change of config or discovered lists; returns what stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `features`: what strategies may know of the request; without them, only its model (as for embeddings). */
  async resolveRoute(model: string, _context?: CallContext, features?: RequestFeatures): Promise<RoutePlan> {
    return this.state.resolver.resolve(model, features, this.statistics);
  }

  /** Aliases (owned by `switchyard`), then each concrete model by its plain name, then as `providerId/model`. */
  async listModels(_context?: CallContext): Promise<ModelEntry[]> {
    return this.state.models.slice();
  }

  private build(config: RoutingConfig): RoutingState {
    const catalog = new ModelCatalog(config.providers, this.discovered);
    const resolver = new RouteResolver(config.routes, catalog, {
      random: this.random,
      profiles: new ConfiguredDeploymentProfiles(config.providers, this.modelFacts),
      budgets: this.budgets,
    });
    return { config, resolver, models: this.listEntries(resolver, catalog) };
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private listEntries(resolver: RouteResolver, catalog: ModelCatalog): readonly ModelEntry[] {
    const seen = new Set<string>();
    const models: ModelEntry[] = [];
    const add = (entry: ModelEntry) => {
      if (seen.has(entry.id)) return;
      seen.add(entry.id);
      models.push(entry);
    };
    for (const alias of resolver.aliases) add(Object.freeze({ id: alias, ownedBy: 'switchyard' }));
    for (const entry of catalog.entries) add(entry);
    return Object.freeze(models);
  }
}
