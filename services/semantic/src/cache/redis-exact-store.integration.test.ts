import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { configSchema, type BeforeOutcome, type PluginServices } from '@switchyard/shared';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { createCachePlugin } from '.';
import type { CachePlugin } from './cache-plugin';
import type { CachedAnswer } from './cached-answer';
import { RedisExactStore } from './redis-exact-store';
import { chatRequest, chatResponse, PROVIDER_OUTCOME, recordingContext } from './__fixtures__/plugin-context-for-tests';

jest.setTimeout(30_000);

/** The exact tier in the shared Redis, under a key prefix (or workspaces) of this run's own. */

const RUN = randomBytes(4).toString('hex');
const logger = pino({ enabled: false });
const closers: Array<() => Promise<unknown>> = [];
let inspector: Redis;

beforeAll(async () => {
  await requireRedis();
  inspector = new Redis(REDIS_URL);
});

afterEach(async () => {
  // Every closer runs even when one fails, so a failed test leaves no connection open.
  const failures: unknown[] = [];
  for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

afterAll(async () => {
  const keys = await inspector.keys(`test-cache-${RUN}*`);
  if (keys.length > 0) await inspector.unlink(...keys);
  await inspector.quit();
});

async function store(clock = { now: 1_800_000_000_000 }): Promise<RedisExactStore> {
  const created = new RedisExactStore({ url: REDIS_URL, commandTimeoutMs: 1_000, keyPrefix: `test-cache-${RUN}`, now: () => clock.now });
  closers.push(() => created.close());
  expect(await created.ready()).toBe(true);
  return created;
}

function answer(text: string, storedAt: number, ttlMs = 60_000): CachedAnswer {
  return { response: chatResponse(text), storedAt, expiresAt: storedAt + ttlMs };
}

describe('RedisExactStore', () => {
  it('keeps answers per workspace and namespace, expiring in Redis with the answer', async () => {
    const clock = { now: Date.now() };
    const redis = await store(clock);
    expect(await redis.ready()).toBe(true);
    await redis.set({ workspace: 'acme', namespace: '' }, 'k1', answer('acme', clock.now, 30_000));
    expect((await redis.get({ workspace: 'acme', namespace: '' }, 'k1'))?.response.choices[0].message.content).toBe('acme');
    expect(await redis.get({ workspace: 'globex', namespace: '' }, 'k1')).toBeUndefined();
    expect(await redis.get({ workspace: 'acme', namespace: 'a' }, 'k1')).toBeUndefined();
    const ttl = await inspector.pttl(`test-cache-${RUN}:entry:acme::k1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('does not serve an answer past its expiry by the cache clock', async () => {
    const clock = { now: 1_800_000_000_000 };
    const redis = await store(clock);
    await redis.set({ workspace: 'acme', namespace: '' }, 'k2', answer('x', clock.now, 60_000));
    clock.now += 59_999;
    expect(await redis.get({ workspace: 'acme', namespace: '' }, 'k2')).toBeDefined();
    clock.now += 1;
    expect(await redis.get({ workspace: 'acme', namespace: '' }, 'k2')).toBeUndefined();
  });

  it('invalidates a namespace or a workspace, even when names hold glob characters', async () => {
    const clock = { now: Date.now() };
    const redis = await store(clock);
    const scopes = [
      { workspace: 'team*', namespace: '' },
      { workspace: 'team*', namespace: 'a' },
      { workspace: 'team*', namespace: 'b' },
      { workspace: 'team*x', namespace: '' },
      { workspace: 'team', namespace: '' },
    ];
    for (const scope of scopes) {
      await redis.set(scope, 'k', answer(`${scope.workspace}/${scope.namespace}`, clock.now));
      if (scope.namespace) await redis.addNamespace(scope.workspace, scope.namespace);
    }
    expect((await redis.namespaces('team*')).sort()).toEqual(['a', 'b']);

    expect(await redis.invalidate('team*', 'a')).toBe(1);
    expect(await redis.get(scopes[1], 'k')).toBeUndefined();
    expect(await redis.get(scopes[2], 'k')).toBeDefined();
    expect(await redis.namespaces('team*')).toEqual(['b']);

    expect(await redis.invalidate('team*')).toBe(2);
    expect(await redis.get(scopes[0], 'k')).toBeUndefined();
    expect(await redis.get(scopes[3], 'k')).toBeDefined();
    expect(await redis.get(scopes[4], 'k')).toBeDefined();
    expect(await redis.namespaces('team*')).toEqual([]);
  });

  it('fails fast while Redis is away', async () => {
    const away = new RedisExactStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 1_000, logger });
    closers.push(() => away.close());
    expect(await away.ready()).toBe(false);
    await expect(away.get({ workspace: 'acme', namespace: '' }, 'k')).rejects.toThrow();
  });
});

describe('the cache plugin on Redis (governance.redisUrl)', () => {
  async function replica(): Promise<CachePlugin> {
    const services = {
      config: configSchema.parse({ cache: { mode: 'exact' }, governance: { redisUrl: '${TEST_CACHE_REDIS_URL}' } }),
      logger,
    } as PluginServices;
    const plugin = createCachePlugin(services, { env: { TEST_CACHE_REDIS_URL: REDIS_URL } })!;
    closers.push(() => plugin.close());
    expect(await plugin.ready()).toBe(true);
    return plugin;
  }

  it('shares answers between gateways, never between workspaces', async () => {
    const [first, second] = [await replica(), await replica()];
    const acme = `acme-${RUN}`;
    const globex = `globex-${RUN}`;
    closers.push(
      () => first.invalidate(acme),
      () => first.invalidate(globex),
    );

    const miss = recordingContext({ request: chatRequest('What is the capital of France?'), workspace: acme });
    expect(await first.beforeRequest(miss)).toBeUndefined();
    first.afterResponse(miss, chatResponse('Paris.'), PROVIDER_OUTCOME);
    await miss.settle();

    const hit = recordingContext({ request: chatRequest('What is the capital of France?'), workspace: acme });
    const outcome = (await second.beforeRequest(hit)) as Extract<BeforeOutcome, { kind: 'answer' }>;
    expect(hit.responseHeaders.get('x-switchyard-cache')).toBe('hit');
    expect(outcome.answer.response.choices[0].message.content).toBe('Paris.');

    const other = recordingContext({ request: chatRequest('What is the capital of France?'), workspace: globex });
    expect(await second.beforeRequest(other)).toBeUndefined();
    expect(other.responseHeaders.get('x-switchyard-cache')).toBe('miss');
  });

  it('says which variable is missing', () => {
    const services = {
      config: configSchema.parse({ cache: { mode: 'exact', redisUrl: '${CACHE_REDIS_URL}' } }),
      logger,
    } as PluginServices;
    expect(() => createCachePlugin(services, { env: {} })).toThrow('cache.redisUrl: environment variable CACHE_REDIS_URL is not set');
  });
});
