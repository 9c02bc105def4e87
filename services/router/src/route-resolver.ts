import {
  ConfigError,
  type Deployment,
  GatewayError,
  type LiveStatistics,
  modelNotFound,
  modelOnlyFeatures,
  NO_STATISTICS,
  noProviderConfigured,
  type RequestFeatures,
  type RouteAttempt,
  type RouteNode,
  type RoutePlan,
  type RouteTarget,
  type SwitchyardConfig,
} from '@switchyard/shared';
import { createDeployment, type ModelCatalog } from './model-catalog';
import { routeStrategies, type RouteStrategy, type StrategyContext, type StrategyTarget, type TargetSelector } from './strategies';

interface CompiledLeaf extends StrategyTarget {
  /** Shared by every plan that reaches this leaf; frozen. */
  readonly attempt: RouteAttempt;
  readonly select?: undefined;
}

interface CompiledNode extends StrategyTarget {
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
 * matched by a pattern, its deployment. Strategies choose with the request's
 * features and the live statistics; deployments whose circuit breaker is
 * open are left out of an alias's plan unless nothing else is left.
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

  /**
   * Throws `modelNotFound` (404) for an unknown model, `noProviderConfigured`
   * (503) when there are no providers, `noDeploymentAvailable` (503) when the
   * strategies leave an alias no deployment for this request.
   */
  resolve(model: string, features: RequestFeatures = modelOnlyFeatures(model), statistics: LiveStatistics = NO_STATISTICS): RoutePlan {
    const route = this.routes.get(model);
    if (route !== undefined) {
      const attempts: RouteAttempt[] = [];
      expand(route, attempts, features, statistics);
      if (attempts.length === 0) throw noDeploymentAvailable(model);
      return { requestedModel: model, attempts: withoutOpenBreakers(attempts, statistics) };
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
    const common = { weight: target.weight ?? 1, score: target.score, name: target.name };
    if ('provider' in target) {
      if (!this.catalog.hasProvider(target.provider)) {
        throw new ConfigError(`invalid config:\n  - ${configPath}.provider: unknown provider "${target.provider}"`);
      }
      const deployment = this.catalog.findById(`${target.provider}/${target.model}`) ?? createDeployment(target.provider, target.model);
      return { ...common, deployments: [deployment], attempt: Object.freeze({ deployment, routePath }) };
    }
    const targets = target.targets.map((child, index) => {
      const step = `targets[${index}]`;
      return this.compile(child, routePath === '' ? step : `${routePath}.${step}`, `${configPath}.${step}`, context);
    });
    // Each entry is typed with its own node; the node here is the one its strategy names.
    const strategy = routeStrategies[target.strategy] as RouteStrategy<RouteNode> | undefined;
    if (strategy === undefined) {
      throw new ConfigError(`invalid config:\n  - ${configPath}.strategy: unknown strategy "${target.strategy}"`);
    }
    const deployments = targets.flatMap((child) => child.deployments);
    try {
      return { ...common, deployments, select: strategy(targets, context, target) };
    } catch (error) {
      throw new ConfigError(`invalid config:\n  - ${configPath}: ${(error as Error).message}`);
    }
  }
}

function expand(target: CompiledTarget, attempts: RouteAttempt[], features: RequestFeatures, statistics: LiveStatistics): void {
  if (target.select === undefined) {
    attempts.push(target.attempt);
    return;
  }
  const chosen = target.select(features, statistics);
  for (let index = 0; index < chosen.length; index++) expand(chosen[index], attempts, features, statistics);
}

/**
 * The attempts whose deployment's breaker is not open, or all of them when
 * every one is open (the executor's gate then reports `breaker_open`, or
 * lets a half-open probe through).
 */
function withoutOpenBreakers(attempts: RouteAttempt[], statistics: LiveStatistics): RouteAttempt[] {
  let open = 0;
  for (const attempt of attempts) if (statistics.get(attempt.deployment.id)?.breakerOpen === true) open++;
  if (open === 0 || open === attempts.length) return attempts;
  return attempts.filter((attempt) => statistics.get(attempt.deployment.id)?.breakerOpen !== true);
}

/** Every target of the alias was left out for this request (budget-aware with every budget spent). */
export function noDeploymentAvailable(model: string): GatewayError {
  return new GatewayError(`No deployment of \`${model}\` may take this request now: the budget of every one is spent.`, {
    status: 503,
    errorClass: 'unavailable',
    code: 'no_deployment_available',
  });
}
