import { Writable } from 'node:stream';
import pino from 'pino';
import { configSchema, ConfigError, createLogger, type CallContext, type Logger, type RequestFeatures } from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { create } from '@bufbuild/protobuf';
import { routerV1 } from '@switchyard/proto';
import { LocalRouterService } from '../router-service';
import { RouterGrpcClient } from '../transport/router-grpc-client';
import { routerGrpcService } from '../transport/router-grpc-server';
import { routerSnapshotFromProto, routerSnapshotToProto } from '../transport/router-snapshot-codec';
import type { RouterSnapshot, SnapshotSource } from './router-snapshot';
import { SnapshotPublisher } from './snapshot-publisher';
import { SnapshotRouterService } from './snapshot-router-service';

const silent = createLogger('test', 'silent');

const config = configSchema.parse({
  providers: {
    openai: { kind: 'openai', apiKey: '${OPENAI_API_KEY}', models: ['gpt-4o', 'gpt-4o-mini'] },
    anthropic: { kind: 'anthropic', models: ['claude-sonnet-4-5'] },
  },
  routes: {
    fast: {
      strategy: 'fallback',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      ],
    },
  },
});
const withCheap = { ...config, routes: { ...config.routes, cheap: { provider: 'openai', model: 'gpt-4o-mini' } } };

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function callContext(signal = new AbortController().signal): CallContext {
  return { requestId: 'request-1', signal };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Counts the watches a follower opens. */
function counting(source: SnapshotSource): SnapshotSource & { watches: number } {
  const counted = {
    watches: 0,
    watch: (request: { watcher: string; knownVersion: number }, signal: AbortSignal) => {
      counted.watches += 1;
      return source.watch(request, signal);
    },
  };
  return counted;
}

const features: RequestFeatures = {
  model: 'fast',
  estimatedInputTokens: 12,
  hasTools: true,
  hasImages: false,
  hasJsonSchema: false,
  stream: false,
  metadata: { tier: 'gold' },
  headers: {},
};

/** The router's side (a LocalRouterService and its publisher, on a gRPC server) and a gateway's side following it. */
class ControlPlane {
  router = new LocalRouterService(config);
  publisher = new SnapshotPublisher(this.router, { logger: silent });
  server: RunningGrpcServer | undefined;
  client: RouterGrpcClient | undefined;
  gateway: SnapshotRouterService | undefined;
  readonly log = capturingLogger();

  async serve(port = 0, routerConfig = config): Promise<number> {
    this.publisher.close();
    this.router = new LocalRouterService(routerConfig);
    this.publisher = new SnapshotPublisher(this.router, { logger: silent });
    this.server = await startGrpcServer({
      address: `127.0.0.1:${port}`,
      services: [routerGrpcService(this.router, silent, this.publisher)],
      logger: this.log.logger,
    });
    return this.server.port;
  }

  async stopRouter(): Promise<void> {
    this.publisher.close();
    await this.server?.shutdown(5_000);
    this.server = undefined;
  }

  follow(source: SnapshotSource, firstSnapshotWaitMs = 5_000): SnapshotRouterService {
    this.gateway = new SnapshotRouterService(source, {
      watcher: 'gateway-test',
      reconnectInitialMs: 10,
      reconnectMaxMs: 40,
      firstSnapshotWaitMs,
      logger: this.log.logger,
    });
    this.gateway.start();
    return this.gateway;
  }

  async close(): Promise<void> {
    await this.gateway?.close();
    this.client?.close();
    await this.stopRouter();
  }
}

describe('SnapshotRouterService', () => {
  let plane: ControlPlane;

  beforeEach(() => {
    plane = new ControlPlane();
  });

  afterEach(async () => {
    await plane.close();
  });

  describe.each([
    ['in memory', async () => plane.publisher as SnapshotSource],
    [
      'over a socket',
      async () => {
        const port = await plane.serve();
        plane.client = new RouterGrpcClient({ address: `127.0.0.1:${port}`, callTimeoutMs: 2_000 });
        return plane.client;
      },
    ],
  ])('following a router %s', (_where, source) => {
    it('resolves routes from the snapshot without asking the router, features passed through', async () => {
      const watched = await source();
      const routerResolves = jest.spyOn(plane.router, 'resolveRoute');
      const gateway = plane.follow(watched);
      const resolving = jest.spyOn(LocalRouterService.prototype, 'resolveRoute');
      try {
        const plan = await gateway.resolveRoute('fast', callContext(), features);
        expect(plan.attempts.map((attempt) => [attempt.deployment.id, attempt.routePath])).toStrictEqual([
          ['openai/gpt-4o-mini', 'targets[0]'],
          ['anthropic/claude-sonnet-4-5', 'targets[1]'],
        ]);
        expect((await gateway.listModels(callContext())).map((model) => model.id)).toStrictEqual(
          await plane.router.listModels().then((models) => models.map((model) => model.id)),
        );
        expect(resolving).toHaveBeenCalledWith('fast', expect.anything(), features);
        expect(routerResolves).not.toHaveBeenCalled();
        expect(gateway.readiness()).toBe('ready');
        expect(gateway.version).toBe(plane.publisher.snapshot.version);
      } finally {
        resolving.mockRestore();
      }
    });

    it('serves a config the router applied, under a newer version', async () => {
      const gateway = plane.follow(await source());
      await gateway.whenReady();
      const before = gateway.version;
      await expect(gateway.resolveRoute('cheap', callContext())).rejects.toMatchObject({ status: 404 });
      plane.router.applyConfig(withCheap);
      await waitFor(() => gateway.version === plane.publisher.snapshot.version, 'the new version');
      expect(gateway.version).toBeGreaterThan(before);
      expect((await gateway.resolveRoute('cheap', callContext())).attempts[0].deployment.id).toBe('openai/gpt-4o-mini');
    });

    it('follows the discovered lists and the fleet statistics', async () => {
      const watched = await source();
      plane.router.applyConfig({ ...config, providers: { ...config.providers, local: { ...config.providers.openai, models: undefined } } });
      const gateway = plane.follow(watched);
      await waitFor(() => gateway.version === plane.publisher.snapshot.version, 'the version with `local`');
      // Until its list is known, a provider without `models` accepts any model.
      expect((await gateway.resolveRoute('local/anything', callContext())).attempts[0].deployment.id).toBe('local/anything');
      plane.router.applyDiscoveredModels({ version: 3, providers: { local: ['llama-3.3-70b'] } });
      plane.publisher.setDeploymentStatistics({ 'openai/gpt-4o': { inFlight: 1, samples: 4, breakerOpen: true, timeToFirstTokenMs: 80 } });
      await waitFor(() => gateway.version === plane.publisher.snapshot.version, 'the new version');
      await expect(gateway.resolveRoute('local/anything', callContext())).rejects.toMatchObject({ status: 404 });
      expect((await gateway.resolveRoute('llama-3.3-70b', callContext())).attempts[0].deployment.id).toBe('local/llama-3.3-70b');
      expect(gateway.fleetStatistics.get('openai/gpt-4o')).toStrictEqual({ inFlight: 1, samples: 4, breakerOpen: true, timeToFirstTokenMs: 80 });
      expect(gateway.fleetStatistics.get('anthropic/claude-sonnet-4-5')).toBeUndefined();
    });
  });

  it('keeps serving from the last snapshot while the router is down (logged once), and takes the restarted router’s', async () => {
    const port = await plane.serve();
    plane.client = new RouterGrpcClient({ address: `127.0.0.1:${port}`, callTimeoutMs: 2_000 });
    const watched = counting(plane.client);
    const gateway = plane.follow(watched);
    await gateway.whenReady();
    const first = gateway.version;

    await plane.stopRouter();
    // The router ending its watches did not hold up its shutdown.
    expect(plane.log.lines.filter((line) => line.msg === 'grpc-server-force-stop')).toHaveLength(0);
    await waitFor(() => gateway.readiness() === 'stale', 'stale routes');
    const attempts = watched.watches;
    await waitFor(() => watched.watches >= attempts + 3, 'three more watches');
    expect((await gateway.resolveRoute('fast', callContext())).attempts).toHaveLength(2);
    const outages = plane.log.lines.filter((line) => line.msg === 'router-unreachable-serving-last-snapshot');
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ level: 40, version: first });

    // Restarted on the same address with a config changed while it was down.
    await plane.serve(port, withCheap);
    await waitFor(() => gateway.readiness() === 'ready', 'a watch again');
    await waitFor(() => gateway.version === plane.publisher.snapshot.version, 'the restarted router’s version');
    expect(gateway.version).toBeGreaterThan(first);
    expect((await gateway.resolveRoute('cheap', callContext())).attempts[0].deployment.id).toBe('openai/gpt-4o-mini');
    expect(plane.log.lines.filter((line) => line.msg === 'router-snapshot-resume')).toHaveLength(1);
  });

  it('is not ready before a first snapshot: a request waits for one, then fails with a 503 in the OpenAI shape', async () => {
    const port = await plane.serve();
    await plane.stopRouter();
    plane.client = new RouterGrpcClient({ address: `127.0.0.1:${port}`, callTimeoutMs: 2_000 });
    const gateway = plane.follow(plane.client, 100);
    expect(gateway.readiness()).toBe('waiting');
    await expect(gateway.resolveRoute('fast', callContext())).rejects.toMatchObject({
      status: 503,
      errorClass: 'unavailable',
      code: 'router_unavailable',
      retryable: true,
    });
    await expect(gateway.listModels(callContext())).rejects.toMatchObject({ status: 503 });
    expect(plane.log.lines.filter((line) => line.msg === 'router-unreachable-no-snapshot')).toHaveLength(1);

    // A request that arrives before the router is up is served once the first snapshot is.
    const waiting = new SnapshotRouterService(plane.client, {
      watcher: 'patient',
      reconnectInitialMs: 10,
      reconnectMaxMs: 40,
      firstSnapshotWaitMs: 10_000,
      logger: silent,
    });
    waiting.start();
    try {
      const plan = waiting.resolveRoute('fast', callContext());
      await plane.serve(port);
      expect((await plan).attempts).toHaveLength(2);
      expect(waiting.readiness()).toBe('ready');
    } finally {
      await waiting.close();
    }
  });

  it('gives up waiting for a first snapshot when the request is cancelled', async () => {
    // A source that never answers, nor heeds the signal: closing the follower must not wait on it.
    const gateway = plane.follow({ watch: () => new Promise(() => {}) }, 10_000);
    const controller = new AbortController();
    const plan = gateway.resolveRoute('fast', callContext(controller.signal));
    controller.abort(new Error('client gone'));
    await expect(plan).rejects.toThrow('client gone');
  });

  it('keeps the last snapshot when one cannot be built, and logs it', async () => {
    const good = plane.publisher.snapshot;
    const broken: RouterSnapshot = {
      ...good,
      version: good.version + 1,
      routing: { ...good.routing, routes: { bad: { provider: 'nowhere', model: 'x' } } },
    };
    const source: SnapshotSource = {
      watch: async () =>
        (async function* () {
          yield good;
          yield broken;
          await new Promise(() => {});
        })(),
    };
    const gateway = plane.follow(source);
    await gateway.whenReady();
    await waitFor(() => plane.log.lines.some((line) => line.msg === 'router-snapshot-reject'), 'the rejection');
    expect(plane.log.lines.find((line) => line.msg === 'router-snapshot-reject')).toMatchObject({
      level: 50,
      version: broken.version,
      reason: expect.stringContaining('routes.bad.provider: unknown provider "nowhere"'),
    });
    expect(gateway.version).toBe(good.version);
    expect((await gateway.resolveRoute('fast', callContext())).attempts).toHaveLength(2);
  });
});

describe('router snapshot codec', () => {
  it('round-trips a snapshot', () => {
    const router = new LocalRouterService(config);
    router.applyDiscoveredModels({ version: 1, providers: { openai: ['gpt-4o'] } });
    const publisher = new SnapshotPublisher(router, { logger: silent, now: () => 42 });
    publisher.setDeploymentStatistics({ 'openai/gpt-4o': { inFlight: 0, samples: 1, breakerOpen: false, latencyMs: 9.5 } });
    const snapshot = publisher.snapshot;
    publisher.close();
    expect(routerSnapshotFromProto(routerSnapshotToProto(snapshot))).toStrictEqual(snapshot);
  });

  it('refuses a routing view the config schema refuses, naming the path', () => {
    const message = create(routerV1.RouterSnapshotSchema, {
      version: 5n,
      routingJson: JSON.stringify({ providers: { openai: { kind: 'telepathy' } }, routes: { r: { strategy: 'single', targets: [] } } }),
    });
    expect(() => routerSnapshotFromProto(message)).toThrow(ConfigError);
    expect(() => routerSnapshotFromProto(message)).toThrow(/providers\.openai\.kind: .*\n.*routes\.r/s);
    expect(() => routerSnapshotFromProto(create(routerV1.RouterSnapshotSchema, { routingJson: '{' }))).toThrow(/not JSON/);
  });
});
