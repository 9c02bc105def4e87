/**
 * Starts what is measured: the mock upstream, and in front of it the gateway
 * as a user would run it (`node packages/cli/dist/cli.js` with a config
 * file; embedded mode is one process, `all`; distributed mode is three,
 * `router`, `adapters` and `gateway`, talking gRPC on free ports) and the
 * reference proxy (`reference-proxy.ts`), for comparison. Both gateway modes
 * get the same config: one OpenAI-compatible provider pointing at the mock.
 * Each process logs to its own file.
 */

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import { forkScript, hasExited, messageOf, nextMessage, spawnNode, stopChild, tailOf, freePort, waitForPort } from './child-processes';
import { CHAT_COMPLETIONS_PATH, MODEL, chatRequestBody } from './fixtures';
import type { ListeningMessage } from './mock-upstream';
import { REPOSITORY_ROOT, harnessScript } from './paths';
import { cpuSeconds, peakRssBytes } from './proc-readings';

export const GATEWAY_CLI = path.join(REPOSITORY_ROOT, 'packages', 'cli', 'dist', 'cli.js');
const START_TIMEOUT_MS = 30_000;

export interface MockUpstream {
  child: ChildProcess;
  /** http://127.0.0.1:PORT (chat completions under /v1). */
  origin: string;
}

/** Starts `mock-upstream.ts` in a process of its own; resolves once it listens. */
export async function startMockUpstream(): Promise<MockUpstream> {
  const child = forkScript(harnessScript('mock-upstream'));
  const { port } = await nextMessage<ListeningMessage>(child, 'listening');
  return { child, origin: `http://127.0.0.1:${port}` };
}

export type GatewayMode = 'embedded' | 'distributed';

export interface StartOptions {
  /** e.g. http://127.0.0.1:PORT/v1 */
  upstreamBaseUrl: string;
  /** Config and log files go here. */
  outputDirectory: string;
  logLevel: string;
  /** When set, each process runs with --cpu-prof into a folder of its own in it (`<mode>-<role>/`). */
  profileDirectory?: string;
  /**
   * Distributed mode publishes every request's events to Kafka (it does not
   * start without a broker): to these brokers, on topics of the run's own.
   */
  kafka?: { brokers: string[]; topicPrefix: string };
  /** More environment for the gateway's processes (e.g. SWITCHYARD_DATA_DIR). */
  env?: NodeJS.ProcessEnv;
  /**
   * Serving once `/readyz` answers 200, without the chat completion that
   * otherwise checks it: a request opens records kept in memory, which an
   * idle reading must not include.
   */
  readinessOnly?: boolean;
  /** More top-level config sections (e.g. `edge`), merged over the scenario's defaults. */
  config?: Record<string, unknown>;
}

export interface PeakRss {
  total: number;
  byRole: Record<string, number>;
}

/** The processes behind one origin under test. */
export interface ProcessGroup {
  mode: string;
  origin: string;
  processes: { role: string; child: ChildProcess; logFile: string }[];
  /** `performance.now()` when the first process was started. */
  readonly startedAt: number | undefined;
  start(role: string, nodeArguments: string[], env: NodeJS.ProcessEnv): ChildProcess;
  /** Milliseconds from the first process's start to `/readyz` answering 200 (set once serving). */
  readyAfterMs?: number;
  /** Sum of `VmHWM` over the processes, with each one's share. */
  peakRss(): PeakRss;
  /** CPU seconds used so far by each process. */
  cpuSecondsByRole(): Record<string, number>;
  /** CPU seconds used so far by all the processes together. */
  cpuSeconds(): number;
  stop(): Promise<void>;
  /** Stops what did start and throws `error` with the tail of every log. */
  failedToStart(error: unknown): Promise<never>;
}

export async function startGateway(mode: GatewayMode, options: StartOptions): Promise<ProcessGroup> {
  if (!fs.existsSync(GATEWAY_CLI)) {
    throw new Error(`${path.relative(process.cwd(), GATEWAY_CLI)} is missing: build first with ./scripts/ensure-built.sh`);
  }
  const gatewayPort = await freePort();
  const routerAddress = `127.0.0.1:${await freePort()}`;
  const adaptersAddress = `127.0.0.1:${await freePort()}`;
  const config = {
    server: { host: '127.0.0.1', port: gatewayPort },
    providers: {
      openai: { kind: 'openai', baseUrl: options.upstreamBaseUrl, models: [MODEL, '*'] },
    },
    services: { router: routerAddress, adapters: adaptersAddress },
    ...(options.kafka
      ? {
          events: {
            kafka: { brokers: options.kafka.brokers, topicPrefix: options.kafka.topicPrefix },
            spoolDirectory: path.join(options.outputDirectory, `spool-${mode}-${process.pid}`),
          },
        }
      : {}),
    ...options.config,
  };
  // JSON is YAML, so the CLI's YAML loader reads this file as is.
  const configFile = path.join(options.outputDirectory, `config-${mode}.yaml`);
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);

  const env = { ...process.env, ...options.env, LOG_LEVEL: options.logLevel, PORT: String(gatewayPort), SHUTDOWN_GRACE_MS: '2000' };
  const group = processGroup(mode, `http://127.0.0.1:${gatewayPort}`, options);
  const start = (role: string): ChildProcess => group.start(role, [GATEWAY_CLI, role, '--config', configFile], env);

  try {
    if (mode === 'embedded') {
      start('all');
    } else {
      const router = start('router');
      const adapters = start('adapters');
      await Promise.all([
        waitForPort(Number(routerAddress.split(':')[1]), router, START_TIMEOUT_MS),
        waitForPort(Number(adaptersAddress.split(':')[1]), adapters, START_TIMEOUT_MS),
      ]);
      start('gateway');
    }
    await waitUntilServing(group, options);
  } catch (error) {
    await group.failedToStart(error);
  }
  return group;
}

/** Starts `reference-proxy.ts` in front of the mock upstream, in the same way. */
export async function startReferenceProxy(options: StartOptions): Promise<ProcessGroup> {
  const port = await freePort();
  const group = processGroup('reference-proxy', `http://127.0.0.1:${port}`, options);
  const env = { ...process.env, UPSTREAM_ORIGIN: new URL(options.upstreamBaseUrl).origin, PORT: String(port) };
  try {
    group.start('proxy', [harnessScript('reference-proxy')], env);
    await waitUntilServing(group);
  } catch (error) {
    await group.failedToStart(error);
  }
  return group;
}

function processGroup(mode: string, origin: string, options: StartOptions): ProcessGroup {
  const processes: ProcessGroup['processes'] = [];
  let firstStarted: number | undefined;
  const group: ProcessGroup = {
    mode,
    origin,
    processes,
    start(role, nodeArguments, env) {
      const logFile = path.join(options.outputDirectory, `${mode}-${role}.log`);
      fs.writeFileSync(logFile, '');
      // A folder per process and Node's own file names: every thread (PGlite's, the Kafka publisher's) writes a
      // profile of its own, where one fixed name would have them overwrite each other.
      const nodeFlags = options.profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.profileDirectory, `${mode}-${role}`)}`] : [];
      firstStarted ??= performance.now();
      const child = spawnNode([...nodeFlags, ...nodeArguments], { env, logFile, cwd: REPOSITORY_ROOT });
      processes.push({ role, child, logFile });
      return child;
    },
    get startedAt() {
      return firstStarted;
    },
    peakRss() {
      const byRole = Object.fromEntries(processes.map(({ role, child }) => [role, child.pid === undefined ? NaN : peakRssBytes(child.pid)]));
      return { total: Object.values(byRole).reduce((sum, bytes) => sum + bytes, 0), byRole };
    },
    cpuSecondsByRole() {
      return Object.fromEntries(processes.map(({ role, child }) => [role, cpuSeconds(child.pid)]));
    },
    cpuSeconds() {
      return Object.values(group.cpuSecondsByRole()).reduce((sum, seconds) => sum + seconds, 0);
    },
    async stop() {
      // The last started first: the gateway stops calling the services it depends on.
      for (const { child } of [...processes].reverse()) await stopChild(child);
    },
    async failedToStart(error) {
      const logs = processes.map(({ role, logFile }) => `--- ${role} (${logFile}) ---\n${tailOf(logFile)}`).join('\n');
      await group.stop();
      throw new Error(`${mode} did not start: ${messageOf(error)}\n${logs}`);
    },
  };
  return group;
}

/** Waits for `/readyz` to answer 200 and then for one chat completion to succeed. */
async function waitUntilServing(group: ProcessGroup, { readinessOnly = false }: Pick<StartOptions, 'readinessOnly'> = {}): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const client = new Client(group.origin);
  let lastProblem = 'not tried';
  try {
    while (Date.now() < deadline) {
      for (const { role, child } of group.processes) {
        if (hasExited(child)) throw new Error(`${role} exited (${child.signalCode ?? `code ${child.exitCode}`})`);
      }
      try {
        const ready = await client.request({ path: '/readyz', method: 'GET' });
        await ready.body.dump();
        if (ready.statusCode === 200) {
          group.readyAfterMs ??= performance.now() - (group.startedAt ?? NaN);
          if (readinessOnly) return;
          const completion = await client.request({
            path: CHAT_COMPLETIONS_PATH,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: chatRequestBody({ stream: false }),
          });
          const text = await completion.body.text();
          if (completion.statusCode === 200) return;
          lastProblem = `chat completion answered ${completion.statusCode}: ${text.slice(0, 300)}`;
        } else {
          lastProblem = `/readyz answered ${ready.statusCode}`;
        }
      } catch (error) {
        lastProblem = messageOf(error);
      }
      // Often enough to time readiness to a few tens of milliseconds.
      await sleep(20);
    }
    throw new Error(`not serving after ${START_TIMEOUT_MS} ms (last: ${lastProblem})`);
  } finally {
    await client.close();
  }
}
