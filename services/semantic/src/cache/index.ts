import { ConfigError, resolveSecret, type PluginFactory, type PluginServices } from '@switchyard/shared';
import { CachePlugin, CACHE_PLUGIN_NAME, usesSemanticTier } from './cache-plugin';
import { modesInUse } from './cache-settings';
import type { ExactStore } from './exact-store';
import { MemoryExactStore } from './memory-exact-store';
import { RedisExactStore } from './redis-exact-store';
import { SemanticTier } from './semantic-tier';

export * from './cache-key';
export * from './cache-plugin';
export * from './cache-settings';
export * from './cached-answer';
export * from './exact-store';
export * from './memory-exact-store';
export * from './redis-exact-store';
export * from './semantic-tier';

export interface CachePluginDependencies {
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Replaces the store the config names (tests). */
  exactStore?: ExactStore;
}

/**
 * Builds the cache plugin from `cache` config: none when no request can use
 * it; the exact tier in Redis (`cache.redisUrl`, else `governance.redisUrl`)
 * or in the process; the semantic tier only when some request may be in
 * `semantic` mode (the embedder and vector store are created on first use).
 */
export function createCachePlugin(services: PluginServices, dependencies: CachePluginDependencies = {}): CachePlugin | undefined {
  const { config, logger } = services;
  const modes = modesInUse(config.cache);
  if (modes.size === 1 && modes.has('off')) return undefined;
  const now = dependencies.now ?? Date.now;
  const exact = dependencies.exactStore ?? exactStoreOf(services, dependencies.env ?? process.env, now);
  const semantic = usesSemanticTier(config.cache)
    ? new SemanticTier(
        () => services.embedder(),
        () => services.vectorStore(),
        now,
      )
    : undefined;
  return new CachePlugin({ config: config.cache, exact, semantic, logger, now });
}

function exactStoreOf(services: PluginServices, env: NodeJS.ProcessEnv, now: () => number): ExactStore {
  const { cache, governance } = services.config;
  const [path, reference] = cache.redisUrl ? ['cache.redisUrl', cache.redisUrl] : ['governance.redisUrl', governance.redisUrl];
  if (reference === undefined) return new MemoryExactStore(cache.maxEntries, now);
  const unset = [...reference.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]).filter((name) => !env[name]);
  if (unset.length > 0) throw new ConfigError(`invalid config:\n  - ${path}: environment variable ${unset.join(', ')} is not set`);
  return new RedisExactStore({ url: resolveSecret(reference, env), commandTimeoutMs: cache.redisTimeoutMs, logger: services.logger, now });
}

/** The cache in the gateway's plugin list. */
export const cachePluginFactory: PluginFactory = {
  name: CACHE_PLUGIN_NAME,
  create: (services) => createCachePlugin(services),
};
