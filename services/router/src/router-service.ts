import type { CallContext, DiscoveredModels, ModelEntry, RoutePlan, RouterService, SwitchyardConfig } from '@switchyard/shared';
import { ModelCatalog } from './model-catalog';
import { RouteResolver } from './route-resolver';

export interface LocalRouterServiceOptions {
  /** Uniform in [0, 1), for `weighted` routes; Math.random unless a test injects another. */
  random?: () => number;
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

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(config: SwitchyardConfig, options: LocalRouterServiceOptions = {}) {
    this.providers = config.providers;
    const catalog = new ModelCatalog(config.providers);
    this.resolver = new RouteResolver(config.routes, catalog, { random: options.random ?? Math.random });
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

  async resolveRoute(model: string, _context?: CallContext): Promise<RoutePlan> {
    return this.resolver.resolve(model);
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
