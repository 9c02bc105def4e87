import { configSchema, ConfigError, createLogger, type CallContext } from '@switchyard/shared';
import { LocalRouterService } from '../router-service';
import type { RouterSnapshot } from './router-snapshot';
import { SnapshotPublisher } from './snapshot-publisher';

const logger = createLogger('test', 'silent');
const context: CallContext = { requestId: 'request-1', signal: new AbortController().signal };

const config = configSchema.parse({
  providers: {
    openai: {
      kind: 'openai',
      apiKey: '${OPENAI_API_KEY}',
      headers: { authorization: 'Bearer ${OPENAI_TOKEN}', 'x-team': 'blue' },
      baseUrl: 'https://openai.internal.example/v1',
      models: ['gpt-4o', 'gpt-4o-mini'],
      prices: { 'gpt-4o': { input: 2.5, output: 10 } },
    },
    groq: { kind: 'openai', preset: 'groq', apiKey: '${GROQ_API_KEY}' },
    azure: {
      kind: 'azure',
      baseUrl: 'https://r.openai.azure.com',
      models: ['gpt-4o'],
      entra: { tenantId: 't', clientId: 'c', clientSecret: '${AZURE_CLIENT_SECRET}' },
    },
  },
  routes: {
    fast: {
      strategy: 'fallback',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'azure', model: 'gpt-4o' },
      ],
    },
  },
});

/** A clock the test moves. */
function clock(start = 1_000): { now: () => number; set: (value: number) => void } {
  let value = start;
  return { now: () => value, set: (next) => (value = next) };
}

/** Reads snapshots from a watch one at a time. */
async function reader(publisher: SnapshotPublisher, signal: AbortSignal): Promise<() => Promise<IteratorResult<RouterSnapshot>>> {
  const iterator = (await publisher.watch({ watcher: 'test', knownVersion: 0 }, signal))[Symbol.asyncIterator]();
  return () => iterator.next();
}

describe('SnapshotPublisher', () => {
  it('carries routes, models and prices, and no key, header, URL or credential of any provider', () => {
    const publisher = new SnapshotPublisher(new LocalRouterService(config), { logger, now: clock().now });
    const { routing } = publisher.snapshot;
    expect(routing).toStrictEqual({
      providers: {
        openai: { kind: 'openai', models: ['gpt-4o', 'gpt-4o-mini'], prices: { 'gpt-4o': { input: 2.5, output: 10 } } },
        groq: { kind: 'openai', preset: 'groq', prices: {} },
        azure: { kind: 'azure', models: ['gpt-4o'], prices: {} },
      },
      routes: config.routes,
    });
    const text = JSON.stringify(publisher.snapshot);
    for (const secret of ['OPENAI_API_KEY', 'OPENAI_TOKEN', 'GROQ_API_KEY', 'AZURE_CLIENT_SECRET', 'x-team', 'internal.example', 'tenantId']) {
      expect(text).not.toContain(secret);
    }
    publisher.close();
  });

  it('starts its versions from the clock, so a restarted router continues above the versions it published', () => {
    const time = clock(5_000);
    const first = new SnapshotPublisher(new LocalRouterService(config), { logger, now: time.now });
    expect(first.snapshot.version).toBe(5_000);
    // Several publications within one millisecond still increase.
    expect(first.publish().version).toBe(5_001);
    expect(first.publish().version).toBe(5_002);
    first.close();
    time.set(9_000);
    const restarted = new SnapshotPublisher(new LocalRouterService(config), { logger, now: time.now });
    expect(restarted.snapshot.version).toBe(9_000);
    restarted.close();
  });

  it('publishes a new version on a config change and on new discovered lists, and watchers get each', async () => {
    const time = clock();
    const router = new LocalRouterService(config);
    const publisher = new SnapshotPublisher(router, { logger, now: time.now });
    const controller = new AbortController();
    const next = await reader(publisher, controller.signal);
    expect((await next()).value).toMatchObject({ version: 1_000, routing: { routes: { fast: expect.anything() } } });

    time.set(2_000);
    router.applyConfig({ ...config, routes: { cheap: { provider: 'openai', model: 'gpt-4o-mini' } } });
    const changed = (await next()).value as RouterSnapshot;
    expect(changed.version).toBe(2_000);
    expect(Object.keys(changed.routing.routes)).toStrictEqual(['cheap']);

    router.applyDiscoveredModels({ version: 7, providers: { groq: ['llama-3.3-70b'] } });
    const discovered = (await next()).value as RouterSnapshot;
    expect(discovered.version).toBe(2_001);
    expect(discovered.discoveredModels).toStrictEqual({ groq: ['llama-3.3-70b'] });
    controller.abort();
    publisher.close();
  });

  it('gives a watcher that fell behind the latest version only', async () => {
    const time = clock();
    const router = new LocalRouterService(config);
    const publisher = new SnapshotPublisher(router, { logger, now: time.now });
    const controller = new AbortController();
    const next = await reader(publisher, controller.signal);
    await next();
    publisher.publish();
    publisher.publish();
    publisher.setDeploymentStatistics({ 'openai/gpt-4o': { inFlight: 2, samples: 10, breakerOpen: true, latencyMs: 120 } });
    const latest = (await next()).value as RouterSnapshot;
    expect(latest.version).toBe(1_003);
    expect(latest.deployments).toStrictEqual({ 'openai/gpt-4o': { inFlight: 2, samples: 10, breakerOpen: true, latencyMs: 120 } });
    controller.abort();
    publisher.close();
  });

  it('ends a watch when the watcher aborts, and every watch when it closes', async () => {
    const publisher = new SnapshotPublisher(new LocalRouterService(config), { logger, now: clock().now });
    const aborted = new AbortController();
    const first = await reader(publisher, aborted.signal);
    const second = await reader(publisher, new AbortController().signal);
    await first();
    await second();
    expect(publisher.watcherCount).toBe(2);
    const pending = first();
    aborted.abort();
    await expect(pending).resolves.toStrictEqual({ done: true, value: undefined });
    expect(publisher.watcherCount).toBe(1);
    const waiting = second();
    publisher.close();
    await expect(waiting).resolves.toStrictEqual({ done: true, value: undefined });
    expect(publisher.watcherCount).toBe(0);
    // After closing, a watch ends at once.
    const late = await reader(publisher, new AbortController().signal);
    await expect(late()).resolves.toMatchObject({ done: true });
  });
});

describe('LocalRouterService.applyConfig', () => {
  // Without groq, which accepts any model until its list is known.
  const { groq: _groq, ...listed } = config.providers;
  const listing = { ...config, providers: listed };

  it('swaps the routes: plans made after it use the new config', async () => {
    const router = new LocalRouterService(listing);
    await expect(router.resolveRoute('cheap', context)).rejects.toMatchObject({ status: 404 });
    router.applyConfig({ ...listing, routes: { cheap: { provider: 'openai', model: 'gpt-4o-mini' } } });
    expect((await router.resolveRoute('cheap', context)).attempts.map((attempt) => attempt.deployment.id)).toStrictEqual(['openai/gpt-4o-mini']);
    await expect(router.resolveRoute('fast', context)).rejects.toMatchObject({ status: 404 });
    expect((await router.listModels(context)).map((model) => model.id)).toContain('cheap');
  });

  it('refuses a route to an unknown provider, naming its path, and keeps serving the old config unannounced', async () => {
    const router = new LocalRouterService(listing);
    const changes = jest.fn();
    router.onChange(changes);
    expect(() => router.applyConfig({ ...listing, routes: { broken: { provider: 'nowhere', model: 'x' } } })).toThrow(
      new ConfigError('invalid config:\n  - routes.broken.provider: unknown provider "nowhere"'),
    );
    expect((await router.resolveRoute('fast', context)).attempts).toHaveLength(2);
    expect(changes).not.toHaveBeenCalled();
  });

  it('keeps the discovered lists across a config change', async () => {
    const router = new LocalRouterService(config);
    router.applyDiscoveredModels({ version: 1, providers: { groq: ['llama-3.3-70b'] } });
    await expect(router.resolveRoute('groq/mixtral', context)).rejects.toMatchObject({ status: 404 });
    router.applyConfig({ ...config, routes: {} });
    expect((await router.resolveRoute('groq/llama-3.3-70b', context)).attempts[0].deployment.id).toBe('groq/llama-3.3-70b');
    await expect(router.resolveRoute('groq/mixtral', context)).rejects.toMatchObject({ status: 404 });
  });
});
