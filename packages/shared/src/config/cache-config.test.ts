import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CACHE_THRESHOLD } from './cache-config';
import { configSchema } from './config-schema';
import { ConfigError, loadConfig } from './load-config';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

describe('the cache section', () => {
  it('is off by default, with the published threshold and an hour of TTL', () => {
    expect(configSchema.parse({}).cache).toEqual({
      mode: 'off',
      threshold: DEFAULT_CACHE_THRESHOLD,
      ttlSeconds: 3_600,
      maxEntries: 10_000,
      redisTimeoutMs: 250,
      routes: {},
      workspaces: {},
    });
  });

  it('takes settings per route and per workspace', () => {
    const { cache } = configSchema.parse({
      cache: { mode: 'exact', routes: { fast: { mode: 'semantic', threshold: 0.95 } }, workspaces: { acme: { ttlSeconds: 60 } } },
    });
    expect(cache.routes.fast).toEqual({ mode: 'semantic', threshold: 0.95 });
    expect(cache.workspaces.acme).toEqual({ ttlSeconds: 60 });
  });

  it('names the path of a bad value', () => {
    const path = configFile('cache:\n  mode: semantic\n  workspaces:\n    acme:\n      threshold: 1.5\n');
    expect(() => loadConfig(path, {})).toThrow(/cache\.workspaces\.acme\.threshold/);
    expect(() => loadConfig(configFile('cache:\n  mode: always\n'), {})).toThrow(/cache\.mode/);
    expect(() => loadConfig(configFile('cache:\n  ttl: 5\n'), {})).toThrow(/cache: Unrecognized key: "ttl"/);
  });

  it('accepts a Redis URL only with its password as a reference', () => {
    expect(configSchema.parse({ cache: { redisUrl: 'redis://127.0.0.1:6379' } }).cache.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(configSchema.parse({ cache: { redisUrl: '${CACHE_REDIS_URL}' } }).cache.redisUrl).toBe('${CACHE_REDIS_URL}');
    expect(configSchema.parse({ cache: { redisUrl: 'redis://:${REDIS_PASSWORD}@cache:6379' } }).cache.redisUrl).toContain('REDIS_PASSWORD');
    const result = configSchema.safeParse({ cache: { redisUrl: 'redis://:hunter2@cache:6379' } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('must be a reference to an environment variable');
  });
});

describe('SWITCHYARD_CACHE_MODE', () => {
  it('turns the cache on with no file, and overrides the file', () => {
    expect(loadConfig(undefined, { SWITCHYARD_CACHE_MODE: 'semantic' }).config.cache.mode).toBe('semantic');
    const path = configFile('cache:\n  mode: exact\n  ttlSeconds: 30\n');
    expect(loadConfig(path, { SWITCHYARD_CACHE_MODE: 'off' }).config.cache).toMatchObject({ mode: 'off', ttlSeconds: 30 });
    expect(loadConfig(path, {}).config.cache.mode).toBe('exact');
  });

  it('rejects an unknown mode by name', () => {
    expect(() => loadConfig(undefined, { SWITCHYARD_CACHE_MODE: 'on' })).toThrow(ConfigError);
    expect(() => loadConfig(undefined, { SWITCHYARD_CACHE_MODE: 'on' })).toThrow(
      'SWITCHYARD_CACHE_MODE must be one of off, exact, semantic, got "on"',
    );
  });
});
