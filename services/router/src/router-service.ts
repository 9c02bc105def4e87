import type { CallContext, ModelEntry, RoutePlan, RouterService, SwitchyardConfig } from '@switchyard/shared';
import { ModelCatalog } from './model-catalog';
import { RouteResolver } from './route-resolver';

export interface LocalRouterServiceOptions {
  /** Uniform in [0, 1), for `weighted` routes; Math.random unless a test injects another. */
  random?: () => number;
}

/** The router in-process: everything is worked out from the config at construction. */
export class LocalRouterService implements RouterService {
  private readonly resolver: RouteResolver;
  private readonly models: readonly ModelEntry[];

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(config: SwitchyardConfig, options: LocalRouterServiceOptions = {}) {
    const catalog = new ModelCatalog(config.providers);
    this.resolver = new RouteResolver(config.routes, catalog, { random: options.random ?? Math.random });
    const seen = new Set<string>();
    const models: ModelEntry[] = [];
    const add = (entry: ModelEntry) => {
      if (seen.has(entry.id)) return;
      seen.add(entry.id);
      models.push(entry);
    };
    for (const alias of this.resolver.aliases) add(Object.freeze({ id: alias, ownedBy: 'switchyard' }));
    for (const entry of catalog.entries) add(entry);
    this.models = Object.freeze(models);
  }

  async resolveRoute(model: string, _context?: CallContext): Promise<RoutePlan> {
    return this.resolver.resolve(model);
  }

  /** Aliases (owned by `switchyard`), then each concrete model by its plain name, then as `providerId/model`. */
  async listModels(_context?: CallContext): Promise<ModelEntry[]> {
    return this.models.slice();
  }
}
