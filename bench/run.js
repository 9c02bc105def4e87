'use strict';

/**
 * `npm run bench`: measures what the gateway adds to a chat completion.
 *
 * Starts a mock OpenAI upstream and, in front of it, the reference proxy, the
 * embedded gateway and the distributed gateway, all at once. One load
 * generator then runs the scenarios against each of them and against the mock
 * directly (the baseline), and the comparison is written to bench/RESULTS.md
 * (also printed to stdout). Progress goes to stderr. Every child process is
 * killed when the run ends, fails or is interrupted.
 *
 * Named benchmarks, run alone or together (`node bench/run.js publish consume`):
 * - gateway (the default): the above;
 * - publish: what publishing events costs the gateway (publish-cost.js);
 * - consume: how fast the observability consumers write events from Kafka
 *   into Postgres (consume-throughput.js);
 * - events:  publish and consume.
 * The event benchmarks write their part of the section "Events" of
 * bench/RESULTS.md and leave the rest of the file alone; the gateway
 * benchmark keeps that section when it rewrites the file.
 */

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { CHAT_COMPLETIONS_PATH, expectedCompletionContent, expectedStreamContent } = require('./fixtures');
const { forkScript, loadGeneratorOutcome, nextMessage, stopChild, cpuSeconds, machineCpuSeconds } = require('./child-processes');
const { startGateway, startReferenceProxy } = require('./gateway-processes');
const { describeMachine, describeBuild } = require('./machine-info');
const { buildReport } = require('./report');
const { summarizeProfiles } = require('./profile-summary');
const { eventsSectionOf, writeEventsBlock } = require('./results-file');

const SETTINGS = {
  full: {
    sequential: { warmup: 1_000, requests: 3_000, rounds: 10 },
    streaming: { warmup: 200, requests: 1_000, rounds: 5 },
    fixedRate: { perSecond: 500, warmupSeconds: 1, seconds: 10, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 2, seconds: 10 },
  },
  quick: {
    sequential: { warmup: 200, requests: 500, rounds: 5 },
    streaming: { warmup: 50, requests: 200, rounds: 2 },
    fixedRate: { perSecond: 500, warmupSeconds: 0.5, seconds: 2, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 1, seconds: 2 },
  },
};

/** What is measured after the direct baseline, in this order. */
const TARGETS = ['reference-proxy', 'embedded', 'distributed'];
const OUTPUT_DIRECTORY = path.join(__dirname, 'out');

/** The benchmarks `run.js` can run, in the order they run; `events` names the last two. */
const BENCHMARKS = ['gateway', 'publish', 'consume'];
const BENCHMARK_GROUPS = { events: ['publish', 'consume'], all: BENCHMARKS };

const usage = `Usage: npm run bench -- [benchmark ...] [options]
       node bench/run.js [benchmark ...] [options]

Benchmarks (default: gateway):
  gateway            what the gateway adds in front of a provider, both modes
  publish            what publishing events (discarded / Kafka / in-process bus
                     to PGlite) costs the gateway's latency and throughput
  consume            events/s from Kafka into Postgres (and InfluxDB) through
                     the observability consumers
  events             publish and consume
  all                all three

  --targets LIST     gateway: what to measure besides the mock itself,
                     comma-separated (default: ${TARGETS.join(',')})
  --quick            short runs (a smoke test; figures are rough)
  --log-level LEVEL  the gateway's LOG_LEVEL (default: info, as a user would run it)
  --cpu-prof         gateway: run the gateway processes under node --cpu-prof and
                     add the hottest functions to the report; the report then goes
                     to bench/out/RESULTS-profiled.md, as profiling slows the gateway
  --repetitions N    publish: repetitions (default 5); consume: runs of each
                     configuration (default 2)
  --loop-delay       publish: also report the gateways' event-loop delay and GC
                     pauses (a 1 ms sampling timer in each gateway: not for the
                     reference figures)
  --events N         consume: events produced and consumed (default 100000)
  --output FILE      where to write the report (default: bench/RESULTS.md)
`;

function parseOptions() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      targets: { type: 'string', default: TARGETS.join(',') },
      quick: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      repetitions: { type: 'string' },
      'loop-delay': { type: 'boolean', default: false },
      events: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const named = positionals.length === 0 ? ['gateway'] : positionals.flatMap((name) => BENCHMARK_GROUPS[name] ?? [name]);
  const unknownBenchmarks = named.filter((name) => !BENCHMARKS.includes(name));
  if (unknownBenchmarks.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknownBenchmarks.join(', ')}\n\n${usage}`);
    process.exit(2);
  }
  const positiveInteger = (name) => {
    if (values[name] === undefined) return undefined;
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) {
      process.stderr.write(`bench: --${name} takes a positive integer\n\n${usage}`);
      process.exit(2);
    }
    return value;
  };
  const targets = values.targets.split(',').map((target) => target.trim()).filter(Boolean);
  const unknown = targets.filter((target) => !TARGETS.includes(target));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown target ${unknown.join(', ')}\n\n${usage}`);
    process.exit(2);
  }
  // Profiled or sampled runs are slowed down: their reports never replace RESULTS.md unless asked.
  const defaultOutput = values['cpu-prof']
    ? path.join(OUTPUT_DIRECTORY, 'RESULTS-profiled.md')
    : values['loop-delay']
      ? path.join(OUTPUT_DIRECTORY, 'RESULTS-loop-delay.md')
      : path.join(__dirname, 'RESULTS.md');
  return {
    benchmarks: BENCHMARKS.filter((name) => named.includes(name)),
    repetitions: positiveInteger('repetitions'),
    loopDelay: values['loop-delay'],
    events: positiveInteger('events'),
    targets: TARGETS.filter((target) => targets.includes(target)),
    quick: values.quick,
    logLevel: values['log-level'],
    cpuProfile: values['cpu-prof'],
    output: path.resolve(values.output ?? defaultOutput),
  };
}

/** A machine using less than this many cores counts as quiet. */
const QUIET_CORES = 0.25;
/** How long the whole run may wait, in total, for other processes to go quiet. */
const QUIET_WAIT_BUDGET_SECONDS = 60;
const QUIET_SAMPLE_SECONDS = 0.5;

function progress(message) {
  process.stderr.write(`bench: ${message}\n`);
}

let quietWaitLeft = QUIET_WAIT_BUDGET_SECONDS;

/**
 * Other engineers' builds and tests share this machine. Waits for a half
 * second in which the whole machine used less than a quarter of a core (the
 * processes under test are idle at that point), within what is left of the
 * run's waiting budget, and returns the last figure seen, in cores.
 */
async function waitForQuietMachine() {
  let warned = false;
  for (;;) {
    const before = machineCpuSeconds().busy;
    await sleep(QUIET_SAMPLE_SECONDS * 1000);
    const cores = (machineCpuSeconds().busy - before) / QUIET_SAMPLE_SECONDS;
    if (!(cores >= QUIET_CORES)) return cores;
    if (quietWaitLeft <= 0) {
      if (!warned) progress(`warning: the machine is busy (${cores.toFixed(2)} cores in use) and the waiting budget is spent; measuring anyway`);
      return cores;
    }
    if (!warned) progress(`waiting for other processes to go quiet (${cores.toFixed(2)} cores in use)`);
    warned = true;
    quietWaitLeft -= QUIET_SAMPLE_SECONDS;
  }
}

/**
 * Runs the load generator against every target and samples CPU time around
 * each target's throughput run: the target's own processes, the mock, the
 * load generator, and whatever else the machine did meanwhile.
 */
async function measureAll(targets, { settings, mock }) {
  const loadGenerator = forkScript(path.join(__dirname, 'load-generator.js'));
  const cpu = Object.fromEntries(targets.map((target) => [target.name, {}]));
  const snapshot = (target, loadGeneratorSeconds = cpuSeconds(loadGenerator.pid)) => {
    const parent = process.cpuUsage();
    return {
      at: performance.now(),
      underTest: target?.group ? target.group.cpuSeconds() : 0,
      underTestByRole: target?.group ? target.group.cpuSecondsByRole() : {},
      allUnderTest: targets.reduce((sum, each) => sum + (each.group ? each.group.cpuSeconds() : 0), 0),
      mock: cpuSeconds(mock.pid),
      loadGenerator: loadGeneratorSeconds,
      parent: (parent.user + parent.system) / 1e6,
      machine: machineCpuSeconds(),
    };
  };
  /** Cores used by the machine beyond the benchmark's own processes between two snapshots. */
  const otherCores = (first, last) => {
    const ours = ['allUnderTest', 'mock', 'loadGenerator', 'parent'].reduce((sum, key) => sum + (last[key] - first[key]), 0);
    return (last.machine.busy - first.machine.busy - ours) / ((last.at - first.at) / 1000);
  };

  const first = snapshot(undefined, 0);
  let before;
  loadGenerator.on('message', async (message) => {
    if (message.type === 'scenario-start') {
      const target = targets.find((candidate) => candidate.name === message.target);
      if (message.name !== 'check') {
        progress(`${message.name}${target ? `: ${target.name}` : ` (all targets in turns)`}`);
        const busyCores = await waitForQuietMachine();
        if (target && message.name === 'throughput') cpu[target.name].busyCoresBefore = busyCores;
      }
      if (message.name === 'throughput') before = snapshot(target);
      loadGenerator.send({ type: 'proceed' });
    } else if (message.type === 'scenario-end' && message.name === 'throughput') {
      const target = targets.find((candidate) => candidate.name === message.target);
      const after = snapshot(target);
      const wallSeconds = (after.at - before.at) / 1000;
      const into = cpu[target.name];
      into.underTestCores = target.group ? (after.underTest - before.underTest) / wallSeconds : NaN;
      into.underTestCoresByRole = Object.fromEntries(
        Object.keys(after.underTestByRole).map((role) => [role, (after.underTestByRole[role] - before.underTestByRole[role]) / wallSeconds]),
      );
      into.microsPerRequest = ((after.underTest - before.underTest) * 1e6) / message.requests;
      into.mockCores = (after.mock - before.mock) / wallSeconds;
      into.loadGeneratorCores = (after.loadGenerator - before.loadGenerator) / wallSeconds;
      into.otherCores = otherCores(before, after);
      into.stolenCores = (after.machine.stolen - before.machine.stolen) / wallSeconds;
    }
  });
  const finished = loadGeneratorOutcome(loadGenerator);
  loadGenerator.send({
    type: 'run',
    plan: {
      targets: targets.map(({ name, origin }) => ({ name, origin })),
      path: CHAT_COMPLETIONS_PATH,
      settings,
      expected: { completion: expectedCompletionContent(), stream: expectedStreamContent() },
    },
  });
  try {
    const message = await finished;
    if (message.type === 'failed') throw new Error(`load generator failed: ${message.error}`);
    const last = snapshot(undefined, message.cpuSeconds);
    return {
      measured: targets.map((target) => ({ name: target.name, load: message.result[target.name], cpu: cpu[target.name] })),
      otherCoresOverall: otherCores(first, last),
    };
  } finally {
    await stopChild(loadGenerator);
  }
}

/** Starts the mock upstream; resolves once it listens. */
async function startMock() {
  const child = forkScript(path.join(__dirname, 'mock-upstream.js'));
  const { port } = await nextMessage(child, 'listening');
  return { child, origin: `http://127.0.0.1:${port}` };
}

/** Writes a report of the gateway benchmark, keeping the section "Events" of the file it replaces. */
function writeGatewayReport(file, markdown) {
  let events = '';
  try {
    events = eventsSectionOf(fs.readFileSync(file, 'utf8'));
  } catch {
    // No file yet.
  }
  fs.writeFileSync(file, events ? `${markdown.trimEnd()}\n\n${events}` : markdown);
}

async function runEventBenchmark(name, options) {
  const machine = describeMachine();
  const build = describeBuild();
  if (build.staleWorkspaces.length > 0) {
    progress(`warning: dist/ is older than src/ in ${build.staleWorkspaces.join(', ')}; run ./scripts/ensure-built.sh to measure the current code`);
  }
  fs.mkdirSync(OUTPUT_DIRECTORY, { recursive: true });
  const benchmarkOptions = { ...options, outputDirectory: OUTPUT_DIRECTORY, machine, build };
  // Both run for several minutes, on a machine other engineers' tests share: a budget per repetition.
  quietWaitLeft = QUIET_WAIT_BUDGET_SECONDS * (options.repetitions ?? (name === 'publish' ? 5 : 2)) * (name === 'publish' ? 1 : 3);
  const helpers = { progress, waitForQuietMachine, startMock };
  // Required here: they load the built packages, which the gateway benchmark does not need.
  const { markdown } =
    name === 'publish'
      ? await require('./publish-cost').runPublishCost(benchmarkOptions, helpers)
      : await require('./consume-throughput').runConsumeThroughput(benchmarkOptions, helpers);
  writeEventsBlock(options.output, name, markdown);
  process.stdout.write(`${markdown}\n`);
  progress(`${name}: written to the section Events of ${path.relative(process.cwd(), options.output)}`);
}

async function main() {
  const options = parseOptions();
  for (const name of options.benchmarks) {
    if (name === 'gateway') await runGatewayBenchmark(options);
    else await runEventBenchmark(name, options);
  }
}

async function runGatewayBenchmark(options) {
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
  const { child: mock, origin: upstreamOrigin } = await startMock();

  const targets = [{ name: 'direct', origin: upstreamOrigin }];
  const failed = [];
  const startOptions = { upstreamBaseUrl: `${upstreamOrigin}/v1`, outputDirectory: OUTPUT_DIRECTORY, logLevel: options.logLevel, profileDirectory };
  let results;
  try {
    for (const name of options.targets) {
      progress(`starting ${name}`);
      try {
        const group = name === 'reference-proxy' ? await startReferenceProxy(startOptions) : await startGateway(name, startOptions);
        targets.push({ name, origin: group.origin, group });
      } catch (error) {
        progress(error.message);
        failed.push({ name, failed: error.message });
      }
    }
    results = await measureAll(targets, { settings, mock });
    for (const target of results.measured) {
      const { group } = targets.find((candidate) => candidate.name === target.name);
      if (group) target.peakRss = group.peakRss();
    }
  } finally {
    for (const { group } of [...targets].reverse()) if (group) await group.stop();
    await stopChild(mock);
  }

  const profileSummary = profileDirectory ? summarizeProfiles([profileDirectory]) : undefined;
  const { markdown } = buildReport({
    machine,
    build,
    settings,
    targets: [...results.measured, ...failed].sort((left, right) => order(left.name) - order(right.name)),
    otherCoresOverall: results.otherCoresOverall,
    quick: options.quick,
    logLevel: options.logLevel,
    durationSeconds: (performance.now() - started) / 1000,
    profileSummary,
  });
  writeGatewayReport(options.output, markdown);
  process.stdout.write(markdown);
  progress(`report written to ${path.relative(process.cwd(), options.output)}; logs in ${path.relative(process.cwd(), OUTPUT_DIRECTORY)}/`);
  if (failed.length > 0) process.exitCode = 1;
}

function order(name) {
  return name === 'direct' ? -1 : TARGETS.indexOf(name);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
