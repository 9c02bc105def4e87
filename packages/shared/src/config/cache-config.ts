import { z } from 'zod';

/** The cache's modes: no cache, identical requests only, or also requests that mean the same. */
export const cacheModes = ['off', 'exact', 'semantic'] as const;
export type CacheMode = (typeof cacheModes)[number];

/**
 * The similarity (cosine of the offline embedder's unit vectors) above which
 * a prompt counts as the same question; measured on the dev sets
 * (services/semantic/README.md, "Semantic cache").
 */
export const DEFAULT_CACHE_THRESHOLD = 0.8;

/** A `${NAME}` reference, or a URL whose password (if any) is one: a password is never written in config. */
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
function passwordIsReference(url: string): boolean {
  if (WHOLE_REFERENCE.test(url)) return true;
  const userInfo = url.match(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/)?.[1];
  const colon = userInfo?.indexOf(':') ?? -1;
  const password = userInfo !== undefined && colon >= 0 ? userInfo.slice(colon + 1) : '';
  return password === '' || WHOLE_REFERENCE.test(password);
}

const threshold = z.number().gt(0).max(1);
const ttlSeconds = z.number().int().positive();

/** What a route or a workspace may change; the rest comes from the section. */
const cacheOverrideSchema = z.strictObject({
  mode: z.enum(cacheModes).optional(),
  threshold: threshold.optional(),
  ttlSeconds: ttlSeconds.optional(),
});

/**
 * The `cache` section: the cache plugin (services/semantic/src/cache). The
 * settings of a request are the section's, then its route's (by the model
 * the client asked for), then its workspace's: the most specific wins.
 * `SWITCHYARD_CACHE_MODE` sets `mode` with no file.
 */
export const cacheConfigSchema = z
  .strictObject({
    mode: z.enum(cacheModes).default('off'),
    /** Semantic tier: a stored prompt at least this similar to the new one answers it. */
    threshold: threshold.default(DEFAULT_CACHE_THRESHOLD),
    /** How long an answer is served from the cache. */
    ttlSeconds: ttlSeconds.default(3_600),
    /** Answers kept in the process when the exact tier has no Redis (least recently used ones go first). */
    maxEntries: z.number().int().positive().default(10_000),
    /**
     * Redis holding the exact tier, shared by every gateway; default
     * `governance.redisUrl`. Neither: the exact tier lives in the process.
     */
    redisUrl: z
      .string()
      .min(1)
      .refine(passwordIsReference, {
        message: 'must be a reference to an environment variable, such as ${SWITCHYARD_REDIS_URL}, since it holds a password',
      })
      .optional(),
    /** A Redis command slower than this counts as a miss (the request goes on upstream). */
    redisTimeoutMs: z.number().int().positive().default(250),
    /** Settings by route (the model or alias the client asked for). */
    routes: z.record(z.string().min(1), cacheOverrideSchema).default({}),
    /** Settings by workspace. */
    workspaces: z.record(z.string().min(1), cacheOverrideSchema).default({}),
  })
  .prefault({});

export type CacheConfig = z.infer<typeof cacheConfigSchema>;
export type CacheOverride = z.infer<typeof cacheOverrideSchema>;
