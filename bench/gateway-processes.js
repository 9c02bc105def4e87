'use strict';

/**
 * Starts the gateway under test, as a user would: `node services/gateway/dist/cli.js`
 * with a config file. Embedded mode is one process (`all`); distributed mode
 * is three (`router`, `adapters`, `gateway`) talking gRPC on free ports. Both
 * modes get the same config: one OpenAI-compatible provider pointing at the
 * mock upstream. Each process logs (pino, JSON) to its own file.
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
  const processes = [];
  const gateway = {
    mode,
    origin: `http://127.0.0.1:${gatewayPort}`,
    processes,
    /** Sum of `VmHWM` over the gateway-side processes, with each one's share. */
    peakRss() {
      const byRole = Object.fromEntries(processes.map(({ role, child }) => [role, peakRssBytes(child.pid)]));
      return { total: Object.values(byRole).reduce((sum, bytes) => sum + bytes, 0), byRole };
    },
    /** CPU seconds used so far by all gateway-side processes together. */
    cpuSeconds() {
      return processes.reduce((sum, { child }) => sum + cpuSeconds(child.pid), 0);
    },
    async stop() {
      // The gateway first, so it stops calling the services it depends on.
      for (const { child } of [...processes].reverse()) await stopChild(child);
    },
  };

  const start = (role) => {
    const logFile = path.join(options.outputDirectory, `${mode}-${role}.log`);
    fs.writeFileSync(logFile, '');
    const nodeFlags = options.profileDirectory
      ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDirectory}`, `--cpu-prof-name=${mode}-${role}.cpuprofile`]
      : [];
    const child = spawnNode([...nodeFlags, GATEWAY_CLI, role, '--config', configFile], { env, logFile, cwd: REPOSITORY_ROOT });
    processes.push({ role, child, logFile });
    return child;
  };

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
    await waitUntilServing(gateway);
  } catch (error) {
    const logs = processes.map(({ role, logFile }) => `--- ${role} (${logFile}) ---\n${tailOf(logFile)}`).join('\n');
    await gateway.stop();
    error.message = `${mode} gateway did not start: ${error.message}\n${logs}`;
    throw error;
  }
  return gateway;
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

module.exports = { startGateway, GATEWAY_CLI };
