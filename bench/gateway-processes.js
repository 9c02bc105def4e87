'use strict';

/**
 * Starts what is measured in front of the mock upstream. The gateway, as a
 * user would: `node services/gateway/dist/cli.js` with a config file.
 * Embedded mode is one process (`all`); distributed mode is three (`router`,
 * `adapters`, `gateway`) talking gRPC on free ports. Both modes get the same
 * config: one OpenAI-compatible provider pointing at the mock upstream. And
 * the reference proxy (`reference-proxy.js`), for comparison. Each process
 * logs to its own file.
 */

const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('undici');
const { REPOSITORY_ROOT, CHAT_COMPLETIONS_PATH, MODEL, chatRequestBody } = require('./fixtures');
const { spawnNode, stopChild, hasExited, freePort, waitForPort, peakRssBytes, cpuSeconds, tailOf } = require('./child-processes');

const GATEWAY_CLI = path.join(REPOSITORY_ROOT, 'services', 'gateway', 'dist', 'cli.js');
const START_TIMEOUT_MS = 30_000;

/**
 * @param {'embedded' | 'distributed'} mode
 * @param {object} options
 * @param {string} options.upstreamBaseUrl   e.g. http://127.0.0.1:PORT/v1
 * @param {string} options.outputDirectory   config and log files go here
 * @param {string} options.logLevel
 * @param {string} [options.profileDirectory] when set, each process runs with --cpu-prof into it
 */
async function startGateway(mode, options) {
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
  };
  // JSON is YAML, so the CLI's YAML loader reads this file as is.
  const configFile = path.join(options.outputDirectory, `config-${mode}.yaml`);
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);

  const env = { ...process.env, LOG_LEVEL: options.logLevel, PORT: String(gatewayPort), SHUTDOWN_GRACE_MS: '2000' };
  const group = processGroup(mode, `http://127.0.0.1:${gatewayPort}`, options);
  const start = (role) => group.start(role, [GATEWAY_CLI, role, '--config', configFile], env);

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
    await waitUntilServing(group);
  } catch (error) {
    await group.failedToStart(error);
  }
  return group;
}

/** Starts `reference-proxy.js` in front of the mock upstream, in the same way. */
async function startReferenceProxy(options) {
  const port = await freePort();
  const group = processGroup('reference-proxy', `http://127.0.0.1:${port}`, options);
  const env = { ...process.env, UPSTREAM_ORIGIN: new URL(options.upstreamBaseUrl).origin, PORT: String(port) };
  try {
    group.start('proxy', [path.join(__dirname, 'reference-proxy.js')], env);
    await waitUntilServing(group);
  } catch (error) {
    await group.failedToStart(error);
  }
  return group;
}

/**
 * The processes behind one origin under test: starts them (each logging to
 * its own file), reads their peak RSS and CPU time, and stops them.
 */
function processGroup(mode, origin, options) {
  const processes = [];
  const group = {
    mode,
    origin,
    processes,
    start(role, nodeArguments, env) {
      const logFile = path.join(options.outputDirectory, `${mode}-${role}.log`);
      fs.writeFileSync(logFile, '');
      const nodeFlags = options.profileDirectory
        ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDirectory}`, `--cpu-prof-name=${mode}-${role}.cpuprofile`]
        : [];
      const child = spawnNode([...nodeFlags, ...nodeArguments], { env, logFile, cwd: REPOSITORY_ROOT });
      processes.push({ role, child, logFile });
      return child;
    },
    /** Sum of `VmHWM` over the processes, with each one's share. */
    peakRss() {
      const byRole = Object.fromEntries(processes.map(({ role, child }) => [role, peakRssBytes(child.pid)]));
      return { total: Object.values(byRole).reduce((sum, bytes) => sum + bytes, 0), byRole };
    },
    /** CPU seconds used so far by each process. */
    cpuSecondsByRole() {
      return Object.fromEntries(processes.map(({ role, child }) => [role, cpuSeconds(child.pid)]));
    },
    /** CPU seconds used so far by all the processes together. */
    cpuSeconds() {
      return Object.values(group.cpuSecondsByRole()).reduce((sum, seconds) => sum + seconds, 0);
    },
    async stop() {
      // The last started first: the gateway stops calling the services it depends on.
      for (const { child } of [...processes].reverse()) await stopChild(child);
    },
    /** Stops what did start and throws `error` with the tail of every log. */
    async failedToStart(error) {
      const logs = processes.map(({ role, logFile }) => `--- ${role} (${logFile}) ---\n${tailOf(logFile)}`).join('\n');
      await group.stop();
      error.message = `${mode} did not start: ${error.message}\n${logs}`;
      throw error;
    },
  };
  return group;
}

/** Waits for `/readyz` to answer 200 and then for one chat completion to succeed. */
async function waitUntilServing(gateway) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const client = new Client(gateway.origin);
  let lastProblem = 'not tried';
  try {
    while (Date.now() < deadline) {
      for (const { role, child } of gateway.processes) {
        if (hasExited(child)) throw new Error(`${role} exited (${child.signalCode ?? `code ${child.exitCode}`})`);
      }
      try {
        const ready = await client.request({ path: '/readyz', method: 'GET' });
        await ready.body.dump();
        if (ready.statusCode === 200) {
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
        lastProblem = error.message;
      }
      await sleep(200);
    }
    throw new Error(`not serving after ${START_TIMEOUT_MS} ms (last: ${lastProblem})`);
  } finally {
    await client.close();
  }
}

module.exports = { startGateway, startReferenceProxy, GATEWAY_CLI };
