/**
 * `npm run bench`: compiles bench/ (tsc -p bench) and runs this file. It
 * picks the scenarios named on the command line (default: `gateway`; with
 * `--quick` and no name, every scenario), runs them one after the other, and
 * writes each one's report to `bench/results/<scenario>.md` (full runs) or
 * `bench/out/results/` (quick, profiled or sampled runs), also printed to
 * stdout. Progress goes to stderr. Every child process is killed when the run
 * ends, fails or is interrupted (harness/child-processes.ts).
 */

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { describeBuild, describeMachine } from './harness/machine-info';
import { OUTPUT_DIRECTORY } from './harness/paths';
import { QuietMachine } from './harness/quiet-machine';
import { resultsFile, writeResults } from './harness/results-files';
import type { Scenario, ScenarioOptions } from './harness/scenario';
import { cacheHit } from './scenarios/cache-hit';
import { consumeThroughput } from './scenarios/consume-throughput';
import { edgeDevices } from './scenarios/edge-devices';
import { embedLatency } from './scenarios/embed-latency';
import { eventStoreThroughput } from './scenarios/event-store-throughput';
import { footprint } from './scenarios/footprint';
import { GATEWAY_TARGETS, gatewayOverhead } from './scenarios/gateway-overhead';
import { governanceCheck } from './scenarios/governance-check';
import { guardrailLatency } from './scenarios/guardrail-latency';
import { keyVerify } from './scenarios/key-verify';
import { otelExportOverhead } from './scenarios/otel-export-overhead';
import { publishCost } from './scenarios/publish-cost';
import { routeDecision } from './scenarios/route-decision';
import { soak } from './scenarios/soak';
import { vectorStoreQuery } from './scenarios/vector-store-query';

/** Every scenario, in the order they run. */
const SCENARIOS: Scenario[] = [
  gatewayOverhead,
  footprint,
  publishCost,
  consumeThroughput,
  eventStoreThroughput,
  soak,
  governanceCheck,
  keyVerify,
  routeDecision,
  embedLatency,
  guardrailLatency,
  cacheHit,
  vectorStoreQuery,
  otelExportOverhead,
  edgeDevices,
];
const GROUPS: Record<string, string[]> = { events: ['publish', 'consume', 'event-store'], all: SCENARIOS.map((scenario) => scenario.name) };

const usage = `Usage: npm run bench -- [scenario ...] [options]

Scenarios (default: gateway; with --quick and no scenario named: all of them):
${SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(13)}${scenario.summary}`).join('\n')}
  events       publish, consume and event-store
  all          every scenario

Options:
  --quick            short runs, a few seconds per load (a smoke test; figures are rough);
                     reports go to bench/out/results/ instead of bench/results/
  --targets LIST     gateway: what to measure besides the mock itself,
                     comma-separated (default: ${GATEWAY_TARGETS.join(',')})
  --log-level LEVEL  the gateway's LOG_LEVEL (default: info, as a user would run it)
  --cpu-prof         gateway, publish, footprint: run the processes under test with node --cpu-prof and
                     add the hottest functions to the report (in bench/out/results/)
  --loop-delay       publish: also report the gateways' event-loop delay and GC pauses
                     (a 1 ms sampling timer in each gateway; report in bench/out/results/)
  --repetitions N    publish: repetitions (default 5); consume: runs of each configuration (default 2)
  --events N         consume: events produced and consumed (default 100000);
                     event-store: events written per measurement (default 50000)
  --duration S       soak: seconds of traffic (default 3600; 20 with --quick)
`;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${usage}`);
  process.exit(2);
}

function parseOptions(): { scenarios: Scenario[]; options: ScenarioOptions } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      targets: { type: 'string', default: GATEWAY_TARGETS.join(',') },
      quick: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      repetitions: { type: 'string' },
      'loop-delay': { type: 'boolean', default: false },
      events: { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const defaultNames = values.quick ? GROUPS.all : ['gateway'];
  const named = positionals.length === 0 ? defaultNames : positionals.flatMap((name) => GROUPS[name] ?? [name]);
  const unknown = named.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) fail(`unknown scenario ${unknown.join(', ')}`);
  const positiveInteger = (name: 'repetitions' | 'events' | 'duration'): number | undefined => {
    if (values[name] === undefined) return undefined;
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) fail(`--${name} takes a positive integer`);
    return value;
  };
  const targets = values.targets
    .split(',')
    .map((target) => target.trim())
    .filter(Boolean);
  const unknownTargets = targets.filter((target) => !(GATEWAY_TARGETS as readonly string[]).includes(target));
  if (unknownTargets.length > 0) fail(`unknown target ${unknownTargets.join(', ')}`);
  return {
    scenarios: SCENARIOS.filter((scenario) => named.includes(scenario.name)),
    options: {
      quick: values.quick,
      logLevel: values['log-level'],
      cpuProfile: values['cpu-prof'],
      loopDelay: values['loop-delay'],
      targets,
      repetitions: positiveInteger('repetitions'),
      events: positiveInteger('events'),
      durationSeconds: positiveInteger('duration'),
    },
  };
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<void> {
  const { scenarios, options } = parseOptions();
  fs.mkdirSync(OUTPUT_DIRECTORY, { recursive: true });
  const timings: string[] = [];
  let incomplete = false;
  for (const scenario of scenarios) {
    const build = describeBuild();
    if (build.staleWorkspaces.length > 0) {
      progress(`warning: dist/ is older than src/ in ${build.staleWorkspaces.join(', ')}; run ./scripts/ensure-built.sh to measure the current code`);
    }
    progress(`scenario ${scenario.name}${options.quick ? ' (--quick)' : ''}`);
    const started = performance.now();
    const report = await scenario.run({
      options,
      machine: describeMachine(),
      build,
      outputDirectory: OUTPUT_DIRECTORY,
      quiet: new QuietMachine(scenario.quietBudgetSeconds(options), progress),
      progress: (message) => progress(`${scenario.name}: ${message}`),
    });
    const file = resultsFile(scenario.name, options);
    writeResults(file, scenario.name, report.markdown);
    process.stdout.write(`${report.markdown.trim()}\n\n`);
    const seconds = (performance.now() - started) / 1000;
    timings.push(`${scenario.name} ${seconds.toFixed(0)} s`);
    progress(
      `${scenario.name}: ${seconds.toFixed(0)} s; report written to ${path.relative(process.cwd(), file)}; logs in ${path.relative(process.cwd(), OUTPUT_DIRECTORY)}/`,
    );
    incomplete ||= report.incomplete === true;
  }
  if (scenarios.length > 1) progress(`done: ${timings.join(', ')}`);
  if (incomplete) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
