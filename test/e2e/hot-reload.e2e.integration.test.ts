import type { ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig, type Logger } from '@switchyard/shared';
import { startConfigReload, type ReloadOutcome, type RunningConfigReload } from '../../packages/cli/src/config-reload';
import { startEmbedded, type EmbeddedGateway } from '../../packages/cli/src/modes/embedded';
import { DEFAULT_FIXTURES, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { freePort, KAFKA_BROKERS, requireKafka } from '../support/infrastructure';
import { startSwitchyardProcess, stopProcess, SWITCHYARD_CLI, waitUntilReady } from '../support/switchyard-process';
import { spawn } from 'node:child_process';
import { waitFor } from '../support/wait-for';

/** Listed by the mock upstreams and named by every route here. */
const MODEL = 'gpt-4o-2024-08-06';
/** Each recorded event 4 ms apart: a stream lasts over 100 ms, so reloads land while requests are under way. */
const CHUNK_DELAY_MS = 4;

/** Every directory and process a test makes, removed and stopped after it even when it failed. */
const directories: string[] = [];
const children: ChildProcess[] = [];

function temporaryDirectory(label: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `switchyard-${label}-`));
  directories.push(directory);
  return directory;
}

/**
 * The config of generation `providerId`: one provider of that id at
 * `upstream`, and the alias `chat` routed to it (so a response's
 * `x-switchyard-provider` says which config routed it).
 */
function configText(providerId: string, upstream: MockOpenAIUpstream, extra = ''): string {
  return [
    'providers:',
    `  ${providerId}: { kind: openai, baseUrl: "${upstream.baseUrl}", models: ["${MODEL}"] }`,
    'routes:',
    `  chat: { provider: ${providerId}, model: "${MODEL}" }`,
    extra,
  ].join('\n');
}

/** As deploy tools write: to a temporary name, then renamed over the file. */
function replaceFile(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

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

interface Exchange {
  status: number;
  provider: string | null;
  /** Whether the stream ended with `[DONE]` and carried no error event. */
  complete: boolean;
  body: string;
}

/** One streamed chat request to the alias `chat`, read to its end. */
async function streamChat(origin: string, signal?: AbortSignal): Promise<Exchange> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Say hello' }] }),
    signal,
  });
  const body = await response.text();
  const complete = body.trimEnd().endsWith('data: [DONE]') && !body.includes('"error"');
  return { status: response.status, provider: response.headers.get('x-switchyard-provider'), complete, body };
}

afterAll(async () => {
  await Promise.all(children.map((child) => stopProcess(child)));
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe('hot reload of the config file', () => {
  let first: MockOpenAIUpstream;
  let second: MockOpenAIUpstream;

  beforeAll(async () => {
    [first, second] = await Promise.all([startMockOpenAIUpstream(), startMockOpenAIUpstream()]);
  });

  afterEach(() => {
    first.reset();
    second.reset();
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  describe('one process under continuous traffic', () => {
    let gateway: EmbeddedGateway | undefined;
    let reload: RunningConfigReload | undefined;
    let stopTraffic: AbortController | undefined;

    afterEach(async () => {
      stopTraffic?.abort();
      reload?.close();
      await gateway?.close(1_000);
    });

    it('serves every request across 10 reloads, one of them an invalid file, and routes by each new config', async () => {
      const directory = temporaryDirectory('hot-reload');
      const file = path.join(directory, 'switchyard.yaml');
      // Not written into the working directory: the audit signing key the process makes, and the records.
      const settings = [
        'observability: { dataDirectory: "memory://" }',
        `audit: { signingKeyFile: "${path.join(directory, 'audit-signing-key.pem')}" }`,
        'configReload: { debounceMs: 50, pollIntervalMs: 200 }',
      ].join('\n');
      const upstreamOf = (generation: number) => (generation % 2 === 0 ? first : second);
      writeFileSync(file, configText('p0', first, settings));
      // Only what the file says: no variable of the test runner's environment changes the config.
      const load = () => loadConfig(file, {}, { role: 'all' }).config;
      const { logger, lines } = capturingLogger();
      const initial = load();
      gateway = await startEmbedded(initial, logger, { host: '127.0.0.1', port: 0 });
      const outcomes: ReloadOutcome[] = [];
      reload = await startConfigReload({
        path: file,
        initial,
        load,
        targets: gateway.reloadTargets,
        logger,
        // SIGHUP is the other test's: this process's own is left alone.
        signals: new EventEmitter() as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
        onOutcome: (outcome) => outcomes.push(outcome),
        registry: gateway.metrics.registry,
      });
      const reloader = reload.reloader;
      // Slow streams from both upstreams, so that every reload finds requests under way.
      for (let index = 0; index < 3_000; index++) {
        first.enqueue({ kind: 'slow-stream', file: DEFAULT_FIXTURES.stream, chunkDelayMs: CHUNK_DELAY_MS });
        second.enqueue({ kind: 'slow-stream', file: DEFAULT_FIXTURES.stream, chunkDelayMs: CHUNK_DELAY_MS });
      }

      // The config generation each provider id was routed by; p0 is the config it started with.
      const generationOf = new Map<string, number>([['p0', 0]]);
      const exchanges: Array<Exchange & { endedInGeneration: number }> = [];
      const failures: unknown[] = [];
      stopTraffic = new AbortController();
      const traffic = stopTraffic;
      const worker = async () => {
        while (!traffic.signal.aborted) {
          try {
            const exchange = await streamChat(gateway!.url);
            exchanges.push({ ...exchange, endedInGeneration: reloader.currentGeneration });
            if (exchange.status !== 200 || !exchange.complete) failures.push({ status: exchange.status, body: exchange.body.slice(0, 500) });
          } catch (error) {
            failures.push(String(error));
          }
        }
      };
      const workers = Array.from({ length: 4 }, () => worker());
      const servedSoFar = () => exchanges.length;

      let expectedProvider = 'p0';
      for (let step = 1; step <= 10; step++) {
        // Traffic flows under the current config before each reload.
        const before = servedSoFar();
        await waitFor(servedSoFar, (count) => count >= before + 8, { timeoutMs: 30_000, what: `traffic before reload ${step}` });
        const outcomesBefore = outcomes.length;
        if (step === 5) {
          // Valid YAML, but the route names a provider the file does not configure.
          replaceFile(file, configText('p5', upstreamOf(step), settings).replace('chat: { provider: p5', 'chat: { provider: nowhere'));
        } else if (step % 3 === 0) {
          // Written in place, as an editor saving over the file does.
          writeFileSync(file, configText(`p${step}`, upstreamOf(step), settings));
        } else {
          replaceFile(file, configText(`p${step}`, upstreamOf(step), settings));
        }
        await waitFor(
          () => outcomes.slice(outcomesBefore),
          (seen) => seen.some((outcome) => outcome.status !== 'unchanged'),
          { timeoutMs: 30_000, what: `the outcome of reload ${step}`, intervalMs: 10 },
        );
        const outcome = outcomes.slice(outcomesBefore).find((seen) => seen.status !== 'unchanged')!;
        if (step === 5) {
          expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('routes.chat.provider: unknown provider "nowhere"') });
        } else {
          expect(outcome).toMatchObject({ status: 'applied', changed: ['providers', 'routes'], restartRequired: [] });
          expectedProvider = `p${step}`;
          generationOf.set(expectedProvider, outcome.generation);
        }
        // The next request is routed by the config now serving; the invalid file left the last good one.
        const probe = await streamChat(gateway.url);
        expect(probe).toMatchObject({ status: 200, provider: expectedProvider, complete: true });
      }

      traffic.abort();
      await Promise.all(workers);
      expect(failures).toEqual([]);
      expect(reloader.currentGeneration).toBe(9);
      const rejected = lines.filter((line) => String(line.msg).startsWith('config-reload-rejected'));
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatchObject({ file, reason: expect.stringContaining('routes.chat.provider') });
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toContain('switchyard_config_reloads_total{outcome="applied"} 9');
      expect(metrics).toContain('switchyard_config_reloads_total{outcome="rejected"} 1');
      expect(metrics).toContain('switchyard_config_generation 9');
      // In flight across a reload: routed by one config, still streaming when a later one (without that
      // provider) took over, and answered in full by the provider it started with.
      const spanning = exchanges.filter((exchange) => exchange.endedInGeneration > generationOf.get(exchange.provider!)!);
      expect(spanning.length).toBeGreaterThan(0);
      expect(spanning.every((exchange) => exchange.status === 200 && exchange.complete)).toBe(true);
      // Both upstreams served traffic, each for the configs that routed to it.
      expect(new Set(exchanges.map((exchange) => exchange.provider)).size).toBe(10);
      expect(first.requests.length).toBeGreaterThan(0);
      expect(second.requests.length).toBeGreaterThan(0);
    }, 180_000);
  });

  describe('a switchyard process told to reload by SIGHUP', () => {
    it('applies the file on SIGHUP, keeps serving its config when the file is invalid, and stops cleanly', async () => {
      const directory = temporaryDirectory('sighup');
      const file = path.join(directory, 'switchyard.yaml');
      // No file watch: what changes here changes on SIGHUP alone.
      const settings = 'configReload: { watch: false }';
      writeFileSync(file, configText('alpha', first, settings));
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const { child, output } = startSwitchyardProcess(children, {
        config: file,
        port,
        env: {
          LOG_LEVEL: 'info',
          SWITCHYARD_DATA_DIR: path.join(directory, 'data'),
          SWITCHYARD_AUDIT_SIGNING_KEY_FILE: path.join(directory, 'audit.pem'),
        },
      });
      await waitUntilReady(`${origin}/readyz`, output);
      const logLines = (message: string) =>
        output()
          .split('\n')
          .filter((line) => line.includes(`"msg":"${message}`));

      expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'alpha', complete: true });

      writeFileSync(file, configText('beta', second, settings));
      // Unwatched: still alpha until the signal.
      expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'alpha', complete: true });
      child.kill('SIGHUP');
      await waitFor(
        () => logLines('config-reloaded').length,
        (count) => count === 1,
        { timeoutMs: 30_000, what: 'the reload after SIGHUP' },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${output()}`);
      });
      expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'beta', complete: true });
      expect(second.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(1);

      // Not YAML at all: refused, logged with the file's path; the process keeps serving beta.
      writeFileSync(file, 'providers: [unclosed\n');
      child.kill('SIGHUP');
      await waitFor(
        () => logLines('config-reload-rejected').length,
        (count) => count === 1,
        {
          timeoutMs: 30_000,
          what: 'the refused reload after SIGHUP',
        },
      );
      expect(logLines('config-reload-rejected')[0]).toContain(file);
      expect(child.exitCode).toBeNull();
      expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'beta', complete: true });

      // Stopped once its records database is open (a stop while it is still opening waits out the shutdown deadline).
      await waitFor(
        () => logLines('records-ready').length,
        (count) => count === 1,
        { timeoutMs: 60_000, what: 'the records database' },
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect({ code, output: code === 0 ? '' : output() }).toEqual({ code: 0, output: '' });
    }, 120_000);
  });
  describe('distributed: each process reloads its own file', () => {
    /** `switchyard <role> --config <file>` with only PATH, LOG_LEVEL and the given variables. */
    function startRole(role: string, file: string, env: Record<string, string>) {
      let output = '';
      const child = spawn(process.execPath, [SWITCHYARD_CLI, role, '--config', file], {
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout.on('data', (data) => (output += data));
      child.stderr.on('data', (data) => (output += data));
      return { child, output: () => output };
    }

    it('the adapter service takes a new provider, then the router routes to it, with no failed request', async () => {
      await requireKafka();
      const directory = temporaryDirectory('distributed-reload');
      const [routerPort, adaptersPort, observabilityPort, port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const run = `hot-reload-${randomBytes(4).toString('hex')}`;
      const settings = [
        'configReload: { debounceMs: 50, pollIntervalMs: 200 }',
        'services:',
        `  router: "127.0.0.1:${routerPort}"`,
        `  adapters: "127.0.0.1:${adaptersPort}"`,
        `  observability: "127.0.0.1:${observabilityPort}"`,
        `events: { kafka: { brokers: ["placeholder:9092"], topicPrefix: "${run}." } }`,
      ].join('\n');
      // The router and the gateway share one file; the adapter service has its own, with the keys.
      const routerFile = path.join(directory, 'router.yaml');
      const adaptersFile = path.join(directory, 'adapters.yaml');
      writeFileSync(routerFile, configText('alpha', first, settings));
      writeFileSync(adaptersFile, configText('alpha', first, settings));
      const router = startRole('router', routerFile, {});
      const adapters = startRole('adapters', adaptersFile, {});
      const gateway = startRole('gateway', routerFile, {
        PORT: String(port),
        SWITCHYARD_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        SWITCHYARD_SPOOL_DIR: path.join(directory, 'spool'),
      });
      const everyOutput = () => [gateway, router, adapters].map((service) => service.output()).join('');
      const origin = `http://127.0.0.1:${port}`;
      await waitUntilReady(`${origin}/readyz`, everyOutput);
      const reloads = (service: { output(): string }) =>
        service
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"config-reloaded"')).length;
      const expectReload = (service: { output(): string }, count: number, what: string) =>
        waitFor(
          () => reloads(service),
          (seen) => seen >= count,
          { timeoutMs: 30_000, what },
        ).catch((error: Error) => {
          throw new Error(`${error.message}\n${everyOutput()}`);
        });
      expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'alpha', complete: true });

      const failures: unknown[] = [];
      const stopTraffic = new AbortController();
      const worker = async () => {
        while (!stopTraffic.signal.aborted) {
          const exchange = await streamChat(origin).catch((error: unknown) => ({ status: 0, body: String(error), complete: false }));
          if (exchange.status !== 200 || !exchange.complete) failures.push({ status: exchange.status, body: exchange.body.slice(0, 500) });
        }
      };
      const workers = [worker(), worker()];
      try {
        // 1. The adapter service gets beta beside alpha: nothing routes to it yet.
        replaceFile(
          adaptersFile,
          configText('alpha', first, settings).replace(
            'routes:',
            `  beta: { kind: openai, baseUrl: "${second.baseUrl}", models: ["${MODEL}"] }\nroutes:`,
          ),
        );
        await expectReload(adapters, 1, 'the adapter service to reload');
        // 2. The router (and the gateway's prices) move the alias to beta.
        replaceFile(routerFile, configText('beta', second, settings));
        await expectReload(router, 1, 'the router to reload');
        await expectReload(gateway, 1, 'the gateway to reload');
        expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'beta', complete: true });
        // 3. The adapter service drops alpha, now that nothing routes to it.
        replaceFile(adaptersFile, configText('beta', second, settings));
        await expectReload(adapters, 2, 'the adapter service to drop alpha');
        expect(await streamChat(origin)).toMatchObject({ status: 200, provider: 'beta', complete: true });
      } finally {
        stopTraffic.abort();
        await Promise.all(workers);
      }
      expect(failures).toEqual([]);
      expect(second.requests.filter((request) => request.path === '/v1/chat/completions').length).toBeGreaterThan(1);
      for (const service of [gateway, router, adapters]) await stopProcess(service.child);
    }, 180_000);
  });
});
