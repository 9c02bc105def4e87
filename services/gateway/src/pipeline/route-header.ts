import { ModelCatalog, RouteResolver } from '@switchyard/router';
import { modelAllowed } from '../auth/authorize-request';
import {
  ConfigError,
  invalidRequest,
  permissionDenied,
  type KeyScopes,
  routeTargetSchema,
  type GatewayError,
  type RoutePlan,
  type RouteTarget,
  type SwitchyardConfig,
} from '@switchyard/shared';

/** The request header that picks a route for one request: an alias name, or a whole route as JSON. */
export const ROUTE_HEADER = 'x-switchyard-route';

/** What `x-switchyard-route` asked for. */
export type RouteOverride = { kind: 'alias'; name: string } | { kind: 'inline'; target: RouteTarget };

/** A route name: what a client may send as `model`, without spaces or controls. */
const ROUTE_NAME = /^[^\s\p{Cc}]{1,256}$/u;

/**
 * Reads `x-switchyard-route`: absent, an alias (or model) name, or a route
 * written as under `routes.<alias>` in the config file (`{"strategy":
 * "fallback", "targets": [...]}`), validated the same way. Every problem is a
 * 400 whose `param` names the header and the path in it.
 */
export function readRouteHeader(value: string | string[] | undefined): RouteOverride | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalidRequest(`Send the ${ROUTE_HEADER} header once.`, ROUTE_HEADER, 'invalid_header');
  const text = value.trim();
  if (!text.startsWith('{')) {
    if (!ROUTE_NAME.test(text))
      throw invalidRequest(`The ${ROUTE_HEADER} header must name a route, or hold one as JSON.`, ROUTE_HEADER, 'invalid_header');
    return { kind: 'alias', name: text };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`The ${ROUTE_HEADER} header is not valid JSON: ${(error as Error).message}`, ROUTE_HEADER, 'invalid_json');
  }
  const result = routeTargetSchema.safeParse(parsed);
  if (!result.success) {
    const issue = deepestIssue(result.error.issues);
    const param = headerPath(issue.path);
    throw invalidRequest(`Invalid ${ROUTE_HEADER}: ${param}: ${issue.message}`, param, 'invalid_value');
  }
  return { kind: 'inline', target: result.data };
}

/**
 * Refuses a route the key could not request by name: an alias outside its
 * `scopes.models`, or an inline route reaching a deployment (`provider/model`)
 * outside them. The header cannot widen what the key may use.
 */
export function authorizeRoute(override: RouteOverride, scopes: KeyScopes): void {
  if (scopes.models === undefined) return;
  if (override.kind === 'alias') {
    if (!modelAllowed(scopes, override.name))
      throw permissionDenied(`This API key may not use the route named in ${ROUTE_HEADER}.`, ROUTE_HEADER, 'model_not_allowed');
    return;
  }
  const visit = (target: RouteTarget, path: (string | number)[]): void => {
    if ('provider' in target) {
      if (!modelAllowed(scopes, `${target.provider}/${target.model}`)) {
        throw permissionDenied(
          `This API key may not use ${target.provider}/${target.model}, which ${ROUTE_HEADER} names.`,
          headerPath(path),
          'model_not_allowed',
        );
      }
      return;
    }
    target.targets.forEach((child, index) => visit(child, [...path, 'targets', index]));
  };
  visit(override.target, []);
}

/**
 * Resolves inline routes against the configured providers, as the router
 * resolves the config's aliases (the same compiler, so the same checks).
 */
export class InlineRoutes {
  private readonly catalog: ModelCatalog;

  constructor(
    private readonly providers: SwitchyardConfig['providers'],
    private readonly random: () => number = Math.random,
  ) {
    this.catalog = new ModelCatalog(providers);
  }

  resolve(target: RouteTarget, requestedModel: string): RoutePlan {
    checkProviders(target, this.providers, []);
    let resolver: RouteResolver;
    try {
      resolver = new RouteResolver({ [INLINE_ALIAS]: target }, this.catalog, { random: this.random });
    } catch (error) {
      if (error instanceof ConfigError) throw compileError(error);
      throw error;
    }
    return { ...resolver.resolve(INLINE_ALIAS), requestedModel };
  }
}

/** The alias an inline route is compiled under; config errors name it, and are rewritten to name the header. */
const INLINE_ALIAS = '__inline__';

function checkProviders(target: RouteTarget, providers: SwitchyardConfig['providers'], path: (string | number)[]): void {
  if ('provider' in target) {
    if (!Object.hasOwn(providers, target.provider)) {
      throw invalidRequest(
        `Invalid ${ROUTE_HEADER}: ${headerPath([...path, 'provider'])} names the provider "${target.provider}", which is not configured.`,
        headerPath([...path, 'provider']),
        'invalid_value',
      );
    }
    return;
  }
  target.targets.forEach((child, index) => checkProviders(child, providers, [...path, 'targets', index]));
}

function compileError(error: ConfigError): GatewayError {
  const detail = error.message.replace(/^invalid config:\s*-\s*/, '').replaceAll(`routes.${INLINE_ALIAS}`, ROUTE_HEADER);
  const param = /^(\S+):/.exec(detail)?.[1] ?? ROUTE_HEADER;
  return invalidRequest(`Invalid ${ROUTE_HEADER}: ${detail}`, param, 'invalid_value');
}

/** `x-switchyard-route.targets[1].provider` */
function headerPath(path: readonly PropertyKey[]): string {
  let text = ROUTE_HEADER;
  for (const step of path) text += typeof step === 'number' ? `[${step}]` : `.${String(step)}`;
  return text;
}

interface Issue {
  path: readonly PropertyKey[];
  message: string;
  errors?: unknown;
}

/**
 * A union's issue sits at the union itself ("Invalid input"); the branch with
 * the fewest issues is the one the client meant (a route node missing its
 * `targets`, not a leaf missing `provider` and `model`), and its first issue
 * says what was wrong.
 */
function deepestIssue(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): { path: readonly PropertyKey[]; message: string } {
  const [issue] = issues;
  const path = [...prefix, ...issue.path];
  if (!Array.isArray(issue.errors) || issue.errors.length === 0) return { path, message: issue.message };
  const branches = issue.errors as Issue[][];
  const closest = branches.reduce((best, branch) => (branch.length > 0 && branch.length < best.length ? branch : best));
  return closest.length > 0 ? deepestIssue(closest, path) : { path, message: issue.message };
}
