'use strict';

/**
 * `npm run bench`: measures what the gateway adds to a chat completion.
 *
 * Starts a mock OpenAI upstream, then runs the same load-generator scenarios
 * against the mock directly (the baseline), against the gateway in embedded
 * mode and against the gateway in distributed mode, and writes the comparison
 * to bench/RESULTS.md (also printed to stdout). Progress goes to stderr.
 * Every child process is killed when the run ends, fails or is interrupted.
 */

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { performance } = require('node:perf_hooks');
const { CHAT_COMPLETIONS_PATH, expectedCompletionContent, expectedStreamContent } = require('./fixtures');
const { setTimeout: sleep } = require('node:timers/promises');
const { forkScript, nextMessage, stopChild, cpuSeconds, machineCpuSeconds } = require('./child-processes');
const { startGateway } = require('./gateway-processes');
const { describeMachine, describeBuild } = require('./machine-info');
const { buildReport } = require('./report');
const { summarizeProfiles } = require('./profile-summary');

const SETTINGS = {
  full: {
    sequential: { warmup: 1_000, requests: 3_000 },
    fixedRate: { perSecond: 500, warmupSeconds: 1, seconds: 10, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 2, seconds: 10 },
    streaming: { warmup: 200, requests: 1_000 },
  },
  quick: {
    sequential: { warmup: 200, requests: 500 },
    fixedRate: { perSecond: 500, warmupSeconds: 0.5, seconds: 2, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 1, seconds: 2 },
    streaming: { warmup: 50, requests: 200 },
  },
};

const MODES = ['embedded', 'distributed'];
const OUTPUT_DIRECTORY = path.join(__dirname, 'out');

const usage = `Usage: npm run bench -- [options]

  --modes LIST       gateway modes to measure, comma-separated (default: ${MODES.join(',')})
  --quick            short runs (a smoke test; figures are rough)
  --log-level LEVEL  the gateway's LOG_LEVEL (default: info, as a user would run it)
  --cpu-prof         run the gateway processes under node --cpu-prof and add the
                     hottest functions to the report; the report then goes to
                     bench/out/RESULTS-profiled.md, as profiling slows the gateway
  --output FILE      where to write the report (default: bench/RESULTS.md)
`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      modes: { type: 'string', default: MODES.join(',') },
      quick: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const modes = values.modes.split(',').map((mode) => mode.trim()).filter(Boolean);
  const unknown = modes.filter((mode) => !MODES.includes(mode));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown mode ${unknown.join(', ')}\n\n${usage}`);
    process.exit(2);
  }
  const defaultOutput = values['cpu-prof'] ? path.join(OUTPUT_DIRECTORY, 'RESULTS-profiled.md') : path.join(__dirname, 'RESULTS.md');
  return {
    modes,
    quick: values.quick,
    logLevel: values['log-level'],
    cpuProfile: values['cpu-prof'],
    output: path.resolve(values.output ?? defaultOutput),
  };
}

const QUIET_CORES = 0.25;
const QUIET_WAIT_SECONDS = 60;

function progress(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/**
 * Other engineers' builds and tests share this machine. Before a target is
 * measured, waits (up to a minute) for a second in which the whole machine
 * used less than a quarter of a core, and returns the last figure seen.
 */
async function waitForQuietMachine() {
  const deadline = performance.now() + QUIET_WAIT_SECONDS * 1000;
  let warned = false;
  for (;;) {
    const before = machineCpuSeconds().busy;
    await sleep(1000);
    const cores = machineCpuSeconds().busy - before;
    if (!(cores >= QUIET_CORES) || performance.now() > deadline) {
      if (cores >= QUIET_CORES) progress(`warning: the machine stayed busy (${cores.toFixed(2)} cores in use); measuring anyway`);
      return cores;
    }
    if (!warned) progress(`waiting for other processes to go quiet (${cores.toFixed(2)} cores in use)`);
    warned = true;
  }
}

/**
 * Runs every scenario from a fresh load-generator process against `origin`,
 * sampling the CPU time of the processes involved around the throughput run.
 */
async function measure(name, origin, { settings, mock, gateway }) {
  const busyCoresBefore = await waitForQuietMachine();
  progress(`${name}: measuring ${origin}`);
  const loadGenerator = forkScript(path.join(__dirname, 'load-generator.js'));
  const cpu = { busyCoresBefore };
  let before;
  const snapshot = (loadGeneratorSeconds = cpuSeconds(loadGenerator.pid)) => {
    const parent = process.cpuUsage();
    return {
      at: performance.now(),
      gateway: gateway ? gateway.cpuSeconds() : 0,
      mock: cpuSeconds(mock.pid),
      loadGenerator: loadGeneratorSeconds,
      parent: (parent.user + parent.system) / 1e6,
      machine: machineCpuSeconds(),
    };
  };
  const first = snapshot(0);
  loadGenerator.on('message', (message) => {
    if (message.type === 'scenario-start') {
      progress(`${name}: ${message.name}`);
      if (message.name === 'throughput') before = snapshot();
    } else if (message.type === 'scenario-end' && message.name === 'throughput') {
      const after = snapshot();
      const wallSeconds = (after.at - before.at) / 1000;
      cpu.gatewayCores = gateway ? (after.gateway - before.gateway) / wallSeconds : NaN;
      cpu.mockCores = (after.mock - before.mock) / wallSeconds;
      cpu.loadGeneratorCores = (after.loadGenerator - before.loadGenerator) / wallSeconds;
      cpu.gatewayMicrosPerRequest = ((after.gateway - before.gateway) * 1e6) / message.requests;
    }
  });
  const finished = new Promise((resolve, reject) => {
    loadGenerator.on('message', (message) => {
      if (message.type === 'result' || message.type === 'failed') resolve(message);
    });
    loadGenerator.once('exit', (code, signal) => reject(new Error(`load generator exited (${signal ?? `code ${code}`}) without a result`)));
  });
  loadGenerator.send({
    type: 'run',
    plan: {
      origin,
      path: CHAT_COMPLETIONS_PATH,
      settings,
      expected: { completion: expectedCompletionContent(), stream: expectedStreamContent() },
    },
  });
  try {
    const message = await finished;
    if (message.type === 'failed') throw new Error(`load generator failed: ${message.error}`);
    // Whatever the machine did beyond this benchmark's own processes, while it ran.
    const last = snapshot(message.cpuSeconds);
    const wallSeconds = (last.at - first.at) / 1000;
    const ours = ['gateway', 'mock', 'loadGenerator', 'parent'].reduce((sum, key) => sum + (last[key] - first[key]), 0);
    cpu.otherCores = (last.machine.busy - first.machine.busy - ours) / wallSeconds;
    cpu.stolenCores = (last.machine.stolen - first.machine.stolen) / wallSeconds;
    return { name, load: message.result, cpu };
  } finally {
    await stopChild(loadGenerator);
  }
}

async function main() {
  const options = parseOptions();
  const started = performance.now();
  const settings = options.quick ? SETTINGS.quick : SETTINGS.full;
  fs.mkdirSync(OUTPUT_DIRECTORY, { recursive: true });
  const profileDirectory = options.cpuProfile ? path.join(OUTPUT_DIRECTORY, 'profiles') : undefined;
  if (profileDirectory) {
    fs.rmSync(profileDirectory, { recursive: true, force: true });
    fs.mkdirSync(profileDirectory, { recursive: true });
  }

  const machine = describeMachine();
  const build = describeBuild();
  if (build.staleWorkspaces.length > 0) {
    progress(`warning: dist/ is older than src/ in ${build.staleWorkspaces.join(', ')}; run ./scripts/ensure-built.sh to measure the current code`);
  }

  progress('starting the mock upstream');
  const mock = forkScript(path.join(__dirname, 'mock-upstream.js'));
  const { port } = await nextMessage(mock, 'listening');
  const upstreamOrigin = `http://127.0.0.1:${port}`;

  const targets = [await measure('direct', upstreamOrigin, { settings, mock })];
  for (const mode of options.modes) {
    let gateway;
    try {
      progress(`${mode}: starting the gateway`);
      gateway = await startGateway(mode, {
        upstreamBaseUrl: `${upstreamOrigin}/v1`,
        outputDirectory: OUTPUT_DIRECTORY,
        logLevel: options.logLevel,
        profileDirectory,
      });
      const target = await measure(mode, gateway.origin, { settings, mock, gateway });
      target.peakRss = gateway.peakRss();
      targets.push(target);
    } catch (error) {
      progress(`${mode}: ${error.message}`);
      targets.push({ name: mode, failed: error.message });
    } finally {
      if (gateway) await gateway.stop();
    }
  }
  await stopChild(mock);

  const profileSummary = profileDirectory ? summarizeProfiles([profileDirectory]) : undefined;
  const { markdown } = buildReport({
    machine,
    build,
    settings,
    targets,
    quick: options.quick,
    logLevel: options.logLevel,
    durationSeconds: (performance.now() - started) / 1000,
    profileSummary,
  });
  fs.writeFileSync(options.output, markdown);
  process.stdout.write(markdown);
  progress(`report written to ${path.relative(process.cwd(), options.output)}; gateway logs in ${path.relative(process.cwd(), OUTPUT_DIRECTORY)}/`);
  if (targets.some((target) => target.failed)) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
