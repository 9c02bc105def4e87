import {
  ConfigError,
  type Deployment,
  modelNotFound,
  noProviderConfigured,
  type RouteAttempt,
  type RoutePlan,
  type RouteTarget,
  type SwitchyardConfig,
} from '@switchyard/shared';
import { createDeployment, type ModelCatalog } from './model-catalog';
import { routeStrategies, type StrategyContext, type TargetSelector } from './strategies';

interface CompiledLeaf {
  readonly weight: number;
  /** Shared by every plan that reaches this leaf; frozen. */
  readonly attempt: RouteAttempt;
  readonly select?: undefined;
}

interface CompiledNode {
  readonly weight: number;
  readonly attempt?: undefined;
  readonly select: TargetSelector<CompiledTarget>;
}

type CompiledTarget = CompiledLeaf | CompiledNode;

/**
 * Turns a requested model into a route plan:
 * 1. an alias from `routes` expands its strategy tree;
 * 2. `provider/model`, when `provider` is a configured provider id, is that
 *    provider's deployment if it serves the model (split at the first slash,
 *    so model names may contain slashes);
 * 3. any other name goes to the first provider that lists it, else to the
 *    first with a matching pattern other than `*`, else to the first with `*`.
 * Aliases are compiled once; resolving allocates the plan and, for a model
 * matched by a pattern, its deployment.
 */
export class RouteResolver {
  private readonly routes = new Map<string, CompiledTarget>();

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(
    routes: SwitchyardConfig['routes'],
    private catalog: ModelCatalog,
    context: StrategyContext,
  ) {
    for (const [alias, target] of Object.entries(routes)) {
      this.routes.set(alias, this.compile(target, '', `routes.${alias}`, context));
    }
  }

  /**
   * Resolves models with `catalog` from now on (the same providers, with
   * newly discovered lists); aliases are kept as compiled, strategy state and all.
   */
  useCatalog(catalog: ModelCatalog): void {
    this.catalog = catalog;
  }

  /** The aliases, in config order. */
  get aliases(): IterableIterator<string> {
    return this.routes.keys();
  }

  /** Throws `modelNotFound` (404) for an unknown model, `noProviderConfigured` (503) when there are no providers. */
  resolve(model: string): RoutePlan {
    const route = this.routes.get(model);
    if (route !== undefined) {
      const attempts: RouteAttempt[] = [];
      expand(route, attempts);
      return { requestedModel: model, attempts };
    }
    if (this.catalog.isEmpty) throw noProviderConfigured();
    const deployment = this.catalog.findById(model) ?? this.findDeployment(model);
    if (deployment === undefined) throw modelNotFound(model);
    return { requestedModel: model, attempts: [{ deployment, routePath: '' }] };
  }

  private findDeployment(model: string): Deployment | undefined {
    const slash = model.indexOf('/');
    if (slash > 0) {
      const providerId = model.slice(0, slash);
      if (this.catalog.hasProvider(providerId)) return this.catalog.find(providerId, model.slice(slash + 1));
    }
    return this.catalog.findByModel(model);
  }

  private compile(target: RouteTarget, routePath: string, configPath: string, context: StrategyContext): CompiledTarget {
    const weight = target.weight ?? 1;
    if ('provider' in target) {
      if (!this.catalog.hasProvider(target.provider)) {
        throw new ConfigError(`invalid config:\n  - ${configPath}.provider: unknown provider "${target.provider}"`);
      }
      const deployment = this.catalog.findById(`${target.provider}/${target.model}`) ?? createDeployment(target.provider, target.model);
      return { weight, attempt: Object.freeze({ deployment, routePath }) };
    }
    const targets = target.targets.map((child, index) => {
      const step = `targets[${index}]`;
      return this.compile(child, routePath === '' ? step : `${routePath}.${step}`, `${configPath}.${step}`, context);
    });
    const strategy = routeStrategies[target.strategy];
    if (strategy === undefined) {
      throw new ConfigError(`invalid config:\n  - ${configPath}.strategy: unknown strategy "${target.strategy}"`);
    }
    try {
      return { weight, select: strategy(targets, context) };
    } catch (error) {
      throw new ConfigError(`invalid config:\n  - ${configPath}: ${(error as Error).message}`);
    }
  }
}

function expand(target: CompiledTarget, attempts: RouteAttempt[]): void {
  if (target.select === undefined) {
    attempts.push(target.attempt);
    return;
  }
  const chosen = target.select();
  for (let index = 0; index < chosen.length; index++) expand(chosen[index], attempts);
}
