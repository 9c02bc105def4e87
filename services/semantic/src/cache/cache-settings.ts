import { invalidRequest, type CacheConfig, type CacheMode } from '@switchyard/shared';

/** Request: `bypass` (neither read nor write) or `refresh` (skip the lookup, store the fresh answer). Response: what happened. */
export const CACHE_HEADER = 'x-switchyard-cache';
/** Request: the semantic tier's threshold for this request, in (0, 1]. */
export const CACHE_THRESHOLD_HEADER = 'x-switchyard-cache-threshold';
/** Request: a sub-namespace inside the workspace; answers are shared only within it. */
export const CACHE_NAMESPACE_HEADER = 'x-switchyard-cache-namespace';
/** Response, on a semantic hit: the similarity of the stored prompt. */
export const CACHE_SIMILARITY_HEADER = 'x-switchyard-cache-similarity';

/** What the response header says: `hit`, `semantic-hit`, `miss`, or `bypass` (the lookup was skipped: bypass or refresh). */
export type CacheOutcome = 'hit' | 'semantic-hit' | 'miss' | 'bypass';

export type CacheDirective = 'default' | 'bypass' | 'refresh';

const NAMESPACE = /^[A-Za-z0-9._~-]{1,64}$/;

/** The cache settings of one request. */
export interface RequestCacheSettings {
  mode: CacheMode;
  threshold: number;
  ttlSeconds: number;
  namespace: string;
  directive: CacheDirective;
}

/**
 * The settings of a request: the section's, then its route's (the model the
 * client asked for), then its workspace's, then the request's own headers.
 * A malformed header is the client's error (400), named by the header.
 */
export function requestCacheSettings(
  config: CacheConfig,
  workspace: string,
  model: string,
  headers: Readonly<Record<string, string>>,
): RequestCacheSettings {
  const route = config.routes[model] ?? {};
  const workspaceOverride = config.workspaces[workspace] ?? {};
  const settings: RequestCacheSettings = {
    mode: workspaceOverride.mode ?? route.mode ?? config.mode,
    threshold: workspaceOverride.threshold ?? route.threshold ?? config.threshold,
    ttlSeconds: workspaceOverride.ttlSeconds ?? route.ttlSeconds ?? config.ttlSeconds,
    namespace: '',
    directive: 'default',
  };
  const directive = headers[CACHE_HEADER]?.trim().toLowerCase();
  if (directive !== undefined && directive !== '') {
    if (directive !== 'bypass' && directive !== 'refresh') {
      throw invalidRequest(`The ${CACHE_HEADER} header must be bypass or refresh, got "${truncate(directive)}".`, CACHE_HEADER, 'invalid_header');
    }
    settings.directive = directive;
  }
  const threshold = headers[CACHE_THRESHOLD_HEADER]?.trim();
  if (threshold !== undefined && threshold !== '') {
    const value = Number(threshold);
    if (!/^\d*\.?\d+$/.test(threshold) || !(value > 0 && value <= 1)) {
      throw invalidRequest(
        `The ${CACHE_THRESHOLD_HEADER} header must be a number greater than 0 and at most 1, got "${truncate(threshold)}".`,
        CACHE_THRESHOLD_HEADER,
        'invalid_header',
      );
    }
    settings.threshold = value;
  }
  const namespace = headers[CACHE_NAMESPACE_HEADER]?.trim();
  if (namespace !== undefined && namespace !== '') {
    settings.namespace = checkNamespace(namespace, CACHE_NAMESPACE_HEADER, `The ${CACHE_NAMESPACE_HEADER} header`);
  }
  return settings;
}

/** A namespace name: 1 to 64 letters, digits, `.`, `_`, `~` or `-`. */
export function checkNamespace(namespace: string, param: string, subject: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw invalidRequest(
      `${subject} must be 1 to 64 letters, digits, '.', '_', '~' or '-', got "${truncate(namespace)}".`,
      param,
      'invalid_namespace',
    );
  }
  return namespace;
}

/** Whether any request could use the cache, or the semantic tier, under this config. */
export function modesInUse(config: CacheConfig): Set<CacheMode> {
  const modes = new Set<CacheMode>([config.mode]);
  for (const override of [...Object.values(config.routes), ...Object.values(config.workspaces)]) if (override.mode) modes.add(override.mode);
  return modes;
}

/** Echoed values are cut short: a header may be long, and the error should stay readable. */
function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
