import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { configSchema, createLogger, type SwitchyardConfig } from '@switchyard/shared';
import type { GatewayServer } from '@switchyard/gateway';
import { startAdapterService, startDistributedGateway, type RunningService } from '../../packages/cli/src/modes/distributed';
import { freePort, KAFKA_BROKERS, requireKafka } from '../support/infrastructure';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { SWITCHYARD_CLI, stopProcess } from '../support/switchyard-process';
import { waitFor } from '../support/wait-for';

jest.setTimeout(180_000);

const logger = createLogger('e2e', process.env.LOG_LEVEL ?? 'silent');

/** The router's own config file: the only place the routes are written. */
function routerConfig(routerPort: number, upstream: string, routes: Record<string, unknown>): string {
  return JSON.stringify({
    services: { router: `127.0.0.1:${routerPort}` },
    providers: {
      // A reference the router never resolves: it runs without the key.
      openai: { kind: 'openai', baseUrl: upstream, apiKey: '${E2E_CONTROL_PLANE_KEY}', models: ['gpt-4o-mini', 'gpt-4o'] },
    },
    routes,
  });
}

const FAST = { fast: { strategy: 'fallback', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } };
const FAST_AND_CHEAP = { ...FAST, cheap: { provider: 'openai', model: 'gpt-4o' } };

/** The router in its own process, as an operator runs it. */
function startRouterProcess(configFile: string, started: ChildProcess[]): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [SWITCHYARD_CLI, 'router', '--config', configFile], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  child.stdout?.on('data', (data) => (output += data));
  child.stderr?.on('data', (data) => (output += data));
  return { child, output: () => output };
}

/** Client requests sent back to back on a few connections until stopped; every answer that is not a 200 is kept. */
class Traffic {
  succeeded = 0;
  readonly failures: string[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly url: string) {}

  start(connections: number): void {
    this.loops = Array.from({ length: connections }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const response = await fetch(`${this.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = await response.text();
        if (response.status === 200) this.succeeded += 1;
        else this.failures.push(`${response.status} ${body}`);
      } catch (error) {
        this.failures.push(String(error));
      }
    }
  }
}

async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
}

async function snapshotMetrics(url: string): Promise<{ version: number; stale: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { version: value('switchyard_router_snapshot_version'), stale: value('switchyard_router_snapshot_stale') };
}

describe('the router as a control plane (distributed mode, the router in its own process)', () => {
  const started: ChildProcess[] = [];
  let directory: string;
  let upstream: MockOpenAIUpstream;
  let adapters: RunningService | undefined;
  let gateway: GatewayServer | undefined;
  let traffic: Traffic | undefined;

  beforeAll(async () => {
    await requireKafka();
    process.env.E2E_CONTROL_PLANE_KEY = 'sk-e2e-control-plane';
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-control-plane-'));
    upstream = await startMockOpenAIUpstream();
  });

  afterAll(async () => {
    await traffic?.stop();
    await gateway?.close(1_000);
    await adapters?.close(1_000);
    for (const child of started) await stopProcess(child);
    await upstream?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('loses no request while the router is stopped mid-traffic, and serves what the restarted router publishes', async () => {
    const routerPort = await freePort();
    const configFile = path.join(directory, 'router.json');
    writeFileSync(configFile, routerConfig(routerPort, upstream.baseUrl, FAST));
    const run = randomBytes(4).toString('hex');
    // The gateway's and the adapters' own config: no routes at all; the gateway gets them from the router.
    const config: SwitchyardConfig = configSchema.parse({
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: '${E2E_CONTROL_PLANE_KEY}', models: ['gpt-4o-mini', 'gpt-4o'] } },
      events: {
        kafka: { brokers: KAFKA_BROKERS, clientId: `e2e-${run}`, topicPrefix: `e2e-${run}.` },
        spoolDirectory: path.join(directory, 'spool'),
      },
      controlPlane: { reconnectInitialMs: 50, reconnectMaxMs: 400, firstSnapshotWaitMs: 2_000 },
    });
    adapters = await startAdapterService(config, logger, '127.0.0.1:0');
    gateway = await startDistributedGateway(
      { ...config, services: { ...config.services, router: `127.0.0.1:${routerPort}`, adapters: `127.0.0.1:${adapters.port}` } },
      logger,
      { host: '127.0.0.1', port: 0 },
    );
    const url = gateway.url;

    // Before the router was ever reached: not ready, and a request is a 503 in the OpenAI shape.
    expect(await readiness(url)).toStrictEqual({ status: 503, body: { status: 'not_ready', router: 'waiting' } });
    const early = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({ error: { code: 'router_unavailable', type: expect.any(String) } });

    let router = startRouterProcess(configFile, started);
    await waitFor(
      () => readiness(url),
      (ready) => ready.status === 200,
      { timeoutMs: 60_000, what: 'a first snapshot', intervalMs: 50 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${router.output()}`);
    });
    expect(await readiness(url)).toStrictEqual({ status: 200, body: { status: 'ready', router: 'ready' } });
    const firstVersion = (await snapshotMetrics(url)).version;
    expect(firstVersion).toBeGreaterThan(0);

    traffic = new Traffic(url);
    traffic.start(4);
    await waitFor(
      () => traffic!.succeeded,
      (count) => count >= 20,
      { timeoutMs: 60_000, what: '20 requests served', intervalMs: 20 },
    );

    // Killed, not drained: the gateway learns it from the broken watch.
    router.child.kill('SIGKILL');
    await waitFor(
      () => readiness(url),
      (ready) => (ready.body as { router: string }).router === 'stale',
      {
        timeoutMs: 30_000,
        what: 'stale routes',
        intervalMs: 20,
      },
    );
    expect(await readiness(url)).toStrictEqual({ status: 200, body: { status: 'ready', router: 'stale' } });
    expect(await snapshotMetrics(url)).toStrictEqual({ version: firstVersion, stale: 1 });
    const servedBeforeOutage = traffic.succeeded;
    await waitFor(
      () => traffic!.succeeded,
      (count) => count >= servedBeforeOutage + 50,
      {
        timeoutMs: 60_000,
        what: '50 requests served while the router is down',
        intervalMs: 20,
      },
    );

    // A config change made while the router was down, served once it is back.
    writeFileSync(configFile, routerConfig(routerPort, upstream.baseUrl, FAST_AND_CHEAP));
    router = startRouterProcess(configFile, started);
    await waitFor(
      () => snapshotMetrics(url),
      (metrics) => metrics.stale === 0 && metrics.version > firstVersion,
      {
        timeoutMs: 60_000,
        what: 'the restarted router’s snapshot',
        intervalMs: 20,
      },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${router.output()}`);
    });
    expect(await readiness(url)).toStrictEqual({ status: 200, body: { status: 'ready', router: 'ready' } });
    const servedBeforeRestart = traffic.succeeded;
    await waitFor(
      () => traffic!.succeeded,
      (count) => count >= servedBeforeRestart + 20,
      {
        timeoutMs: 60_000,
        what: '20 requests served after the restart',
        intervalMs: 20,
      },
    );
    await traffic.stop();
    expect(traffic.failures).toStrictEqual([]);

    const cheap = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(cheap.status).toBe(200);
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'gpt-4o' });
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['fast', 'cheap']));

    // Stopped in order, the router ends its watches and drains without being forced.
    await stopProcess(router.child);
    expect(router.child.exitCode).toBe(0);
    expect(router.output()).not.toContain('grpc-server-force-stop');
    expect(router.output()).not.toContain('sk-e2e-control-plane');
  });
});
