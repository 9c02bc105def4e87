import { configSchema, ConfigError, createLogger, type CallContext } from '@switchyard/shared';
import { RouterGrpcClient, SnapshotRouterService } from '@switchyard/router';
import { startRouterService, type RunningRouterService } from './distributed';

const logger = createLogger('test', 'silent');
const context = (): CallContext => ({ requestId: 'request-1', signal: new AbortController().signal });

const config = configSchema.parse({
  providers: { openai: { kind: 'openai', apiKey: '${OPENAI_API_KEY}', models: ['gpt-4o', 'gpt-4o-mini'] } },
  routes: { fast: { provider: 'openai', model: 'gpt-4o-mini' } },
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the router service’s applyConfig', () => {
  let router: RunningRouterService;
  let client: RouterGrpcClient;
  let gateway: SnapshotRouterService;

  beforeEach(async () => {
    router = await startRouterService(config, logger, '127.0.0.1:0');
    client = new RouterGrpcClient({ address: `127.0.0.1:${router.port}`, callTimeoutMs: 2_000 });
    gateway = new SnapshotRouterService(client, {
      watcher: 'test',
      reconnectInitialMs: 10,
      reconnectMaxMs: 50,
      firstSnapshotWaitMs: 5_000,
      logger,
    });
    gateway.start();
    await gateway.whenReady();
  });

  afterEach(async () => {
    await gateway.close();
    client.close();
    await router.close(1_000);
  });

  it('publishes a new snapshot version that watching gateways serve', async () => {
    const before = router.snapshotVersion;
    expect(gateway.version).toBe(before);
    router.applyConfig(configSchema.parse({ ...config, routes: { ...config.routes, big: { provider: 'openai', model: 'gpt-4o' } } }));
    expect(router.snapshotVersion).toBeGreaterThan(before);
    await waitFor(() => gateway.version === router.snapshotVersion, 'the new version at the gateway');
    expect((await gateway.resolveRoute('big', context())).attempts[0].deployment.id).toBe('openai/gpt-4o');
  });

  it('refuses an invalid config, naming the path, and publishes nothing', async () => {
    const before = router.snapshotVersion;
    const invalid = configSchema.parse({ ...config, routes: { broken: { provider: 'nowhere', model: 'x' } } });
    expect(() => router.applyConfig(invalid)).toThrow(new ConfigError('invalid config:\n  - routes.broken.provider: unknown provider "nowhere"'));
    expect(router.snapshotVersion).toBe(before);
    expect((await gateway.resolveRoute('fast', context())).attempts[0].deployment.id).toBe('openai/gpt-4o-mini');
  });
});
