/**
 * Scenario `gateway` (the default of `npm run bench`): what the gateway adds
 * to a chat completion, in both deployment modes, next to a bare Node.js
 * proxy for scale.
 *
 * Starts the mock upstream and, in front of it, the reference proxy, the
 * embedded gateway and the distributed gateway, all at once. One load
 * generator then runs its loads against each of them and against the mock
 * directly (the baseline); CPU time of every process is read from /proc
 * around each maximum-throughput run, and the peak RSS of each target just
 * before it is stopped. The report compares every target with the baseline.
 */

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALL_TOPICS, ensureTopics } from '@switchyard/events';
import { messageOf, stopChild } from '../harness/child-processes';
import { CHAT_COMPLETIONS_PATH, expectedCompletionContent, expectedStreamContent } from '../harness/fixtures';
import { type PeakRss, type ProcessGroup, startGateway, startMockUpstream, startReferenceProxy } from '../harness/gateway-processes';
import { KAFKA_BROKERS, deleteTopics } from '../harness/kafka-topics';
import type { LoadSettings, TargetLoadResult } from '../harness/load-generator';
import { LoadGeneratorProcess } from '../harness/load-generator-process';
import type { BuildInfo, MachineInfo } from '../harness/machine-info';
import { cores as formatCores, integer, mebibytes, milliseconds, table } from '../harness/markdown';
import { type MachineCpu, cpuSeconds, machineCpuSeconds, ownCpuSeconds } from '../harness/proc-readings';
import { summarizeProfiles } from '../harness/profile-summary';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS: Record<'full' | 'quick', LoadSettings> = {
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
export const GATEWAY_TARGETS = ['reference-proxy', 'embedded', 'distributed'] as const;
type TargetName = 'direct' | (typeof GATEWAY_TARGETS)[number];

interface CpuFigures {
  /** Cores the machine used in the half second before the throughput run. */
  busyCoresBefore: number;
  underTestCores: number;
  underTestCoresByRole: Record<string, number>;
  microsPerRequest: number;
  mockCores: number;
  loadGeneratorCores: number;
  /** Cores used by processes other than the benchmark's own. */
  otherCores: number;
  stolenCores: number;
}

interface MeasuredTarget {
  name: TargetName;
  load: TargetLoadResult;
  cpu: Partial<CpuFigures>;
  peakRss?: PeakRss;
}

interface FailedTarget {
  name: TargetName;
  failed: string;
}

type ReportTarget = MeasuredTarget | FailedTarget;

interface RunningTarget {
  name: TargetName;
  origin: string;
  group?: ProcessGroup;
}

interface Snapshot {
  at: number;
  underTest: number;
  underTestByRole: Record<string, number>;
  allUnderTest: number;
  mock: number;
  loadGenerator: number;
  parent: number;
  machine: MachineCpu;
}

/**
 * Runs the load generator against every target and samples CPU time around
 * each target's throughput run: the target's own processes, the mock, the
 * load generator, and whatever else the machine did meanwhile.
 */
async function measureAll(
  targets: RunningTarget[],
  settings: LoadSettings,
  mockPid: number | undefined,
  context: ScenarioContext,
): Promise<{ measured: MeasuredTarget[]; otherCoresOverall: number }> {
  const loadGenerator = new LoadGeneratorProcess();
  const cpu: Record<string, Partial<CpuFigures>> = Object.fromEntries(targets.map((target) => [target.name, {}]));
  const snapshot = (target: RunningTarget | undefined, loadGeneratorSeconds = loadGenerator.cpuSeconds()): Snapshot => ({
    at: performance.now(),
    underTest: target?.group ? target.group.cpuSeconds() : 0,
    underTestByRole: target?.group ? target.group.cpuSecondsByRole() : {},
    allUnderTest: targets.reduce((sum, each) => sum + (each.group ? each.group.cpuSeconds() : 0), 0),
    mock: cpuSeconds(mockPid),
    loadGenerator: loadGeneratorSeconds,
    parent: ownCpuSeconds(),
    machine: machineCpuSeconds(),
  });
  /** Cores used by the machine beyond the benchmark's own processes between two snapshots. */
  const otherCores = (first: Snapshot, last: Snapshot): number => {
    const ours = (['allUnderTest', 'mock', 'loadGenerator', 'parent'] as const).reduce((sum, key) => sum + (last[key] - first[key]), 0);
    return (last.machine.busy - first.machine.busy - ours) / ((last.at - first.at) / 1000);
  };

  const first = snapshot(undefined, 0);
  let before = first;
  loadGenerator.onMessage((message) => {
    if (message.type === 'scenario-start') {
      const target = targets.find((candidate) => candidate.name === message.target);
      void (async () => {
        if (message.name !== 'check') {
          context.progress(`${message.name}${target ? `: ${target.name}` : ' (all targets in turns)'}`);
          const busyCores = await context.quiet.wait();
          if (target && message.name === 'throughput') cpu[target.name].busyCoresBefore = busyCores;
        }
        if (message.name === 'throughput') before = snapshot(target);
        loadGenerator.proceed();
      })();
    } else if (message.type === 'scenario-end' && message.name === 'throughput') {
      const target = targets.find((candidate) => candidate.name === message.target);
      if (!target) return;
      const after = snapshot(target);
      const wallSeconds = (after.at - before.at) / 1000;
      const into = cpu[target.name];
      into.underTestCores = target.group ? (after.underTest - before.underTest) / wallSeconds : NaN;
      into.underTestCoresByRole = Object.fromEntries(
        Object.keys(after.underTestByRole).map((role) => [role, (after.underTestByRole[role] - before.underTestByRole[role]) / wallSeconds]),
      );
      into.microsPerRequest = ((after.underTest - before.underTest) * 1e6) / (message.requests ?? NaN);
      into.mockCores = (after.mock - before.mock) / wallSeconds;
      into.loadGeneratorCores = (after.loadGenerator - before.loadGenerator) / wallSeconds;
      into.otherCores = otherCores(before, after);
      into.stolenCores = (after.machine.stolen - before.machine.stolen) / wallSeconds;
    }
  });
  try {
    const message = await loadGenerator.run({
      targets: targets.map(({ name, origin }) => ({ name, origin })),
      path: CHAT_COMPLETIONS_PATH,
      settings,
      expected: { completion: expectedCompletionContent(), stream: expectedStreamContent() },
    });
    const last = snapshot(undefined, message.cpuSeconds);
    return {
      measured: targets.map((target) => ({ name: target.name, load: message.result[target.name], cpu: cpu[target.name] })),
      otherCoresOverall: otherCores(first, last),
    };
  } finally {
    await loadGenerator.stop();
  }
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const { options, outputDirectory } = context;
  const started = performance.now();
  const settings = options.quick ? SETTINGS.quick : SETTINGS.full;
  const profileDirectory = options.cpuProfile ? path.join(outputDirectory, 'profiles') : undefined;
  if (profileDirectory) {
    fs.rmSync(profileDirectory, { recursive: true, force: true });
    fs.mkdirSync(profileDirectory, { recursive: true });
  }

  context.progress('starting the mock upstream');
  const mock = await startMockUpstream();
  const targets: RunningTarget[] = [{ name: 'direct', origin: mock.origin }];
  const failed: FailedTarget[] = [];
  // The distributed gateway publishes its events (it needs a broker): to topics of the run's own, deleted at the end.
  const topicPrefix = `bench-gateway-${Date.now()}-${process.pid}.`;
  const kafka = options.targets.includes('distributed') ? { brokers: KAFKA_BROKERS, topicPrefix } : undefined;
  const startOptions = { upstreamBaseUrl: `${mock.origin}/v1`, outputDirectory, logLevel: options.logLevel, profileDirectory, kafka };
  let results: { measured: MeasuredTarget[]; otherCoresOverall: number };
  try {
    for (const name of GATEWAY_TARGETS.filter((target) => options.targets.includes(target))) {
      context.progress(`starting ${name}`);
      try {
        if (name === 'distributed')
          await ensureTopics(
            KAFKA_BROKERS,
            ALL_TOPICS.map((topic) => topicPrefix + topic),
            { numPartitions: 3, replicationFactor: 1 },
          );
        const group = name === 'reference-proxy' ? await startReferenceProxy(startOptions) : await startGateway(name, startOptions);
        targets.push({ name, origin: group.origin, group });
      } catch (error) {
        context.progress(messageOf(error));
        failed.push({ name, failed: messageOf(error) });
      }
    }
    results = await measureAll(targets, settings, mock.child.pid, context);
    for (const target of results.measured) {
      const group = targets.find((candidate) => candidate.name === target.name)?.group;
      if (group) target.peakRss = group.peakRss();
    }
  } finally {
    for (const { group } of [...targets].reverse()) if (group) await group.stop();
    await stopChild(mock.child);
    if (kafka) {
      await deleteTopics(topicPrefix).then(
        (deleted) => deleted.length > 0 && context.progress(`deleted topics ${deleted.join(', ')}`),
        (error: unknown) => context.progress(`could not delete the topics ${topicPrefix}*: ${messageOf(error)}`),
      );
    }
  }

  const order = (name: TargetName): number => (name === 'direct' ? -1 : GATEWAY_TARGETS.indexOf(name));
  const markdown = buildReport({
    machine: context.machine,
    build: context.build,
    settings,
    targets: [...results.measured, ...failed].sort((left, right) => order(left.name) - order(right.name)),
    otherCoresOverall: results.otherCoresOverall,
    quick: options.quick,
    logLevel: options.logLevel,
    durationSeconds: (performance.now() - started) / 1000,
    profileSummary: profileDirectory ? summarizeProfiles([profileDirectory]) : undefined,
  });
  return { markdown, incomplete: failed.length > 0 };
}

export const gatewayOverhead: Scenario = {
  name: 'gateway',
  summary: 'what the gateway adds in front of a provider: direct vs reference proxy vs embedded vs distributed',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 60),
  run,
};

// --- report --------------------------------------------------------------------------------------

interface GatewayRun {
  machine: MachineInfo;
  build: BuildInfo;
  settings: LoadSettings;
  targets: ReportTarget[];
  otherCoresOverall: number;
  quick: boolean;
  logLevel: string;
  durationSeconds: number;
  profileSummary?: string;
}

interface Added {
  p50: number;
  p90: number;
  p99: number;
}

interface TargetDefinition {
  mode: TargetName;
  label: string;
  measure(added: Record<'sequential' | 'fixedRate' | 'firstEvent' | 'streamTotal', Added>, target: MeasuredTarget): number;
  limit: number;
  kind: 'added-ms' | 'rate';
  scenario: 'sequential' | 'throughput';
}

const TARGETS: TargetDefinition[] = [
  {
    mode: 'embedded',
    label: 'Embedded adds ≤ 0.2 ms at p50 (one connection, sequential)',
    measure: (added) => added.sequential.p50,
    limit: 0.2,
    kind: 'added-ms',
    scenario: 'sequential',
  },
  {
    mode: 'embedded',
    label: 'Embedded adds ≤ 1 ms at p99 (one connection, sequential)',
    measure: (added) => added.sequential.p99,
    limit: 1,
    kind: 'added-ms',
    scenario: 'sequential',
  },
  {
    mode: 'embedded',
    label: 'Embedded sustains ≥ 5,000 req/s (no errors)',
    measure: (_added, target) => target.load.throughput.requestsPerSecond,
    limit: 5000,
    kind: 'rate',
    scenario: 'throughput',
  },
  {
    mode: 'distributed',
    label: 'Distributed adds ≤ 0.8 ms at p50 (one connection, sequential)',
    measure: (added) => added.sequential.p50,
    limit: 0.8,
    kind: 'added-ms',
    scenario: 'sequential',
  },
];

const LABELS: Record<TargetName, string> = {
  direct: 'direct (mock upstream)',
  'reference-proxy': 'reference proxy (no gateway logic)',
  embedded: 'embedded (1 process)',
  distributed: 'distributed (3 processes)',
};

function addedMilliseconds(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)} ms`;
}

function isMeasured(target: ReportTarget | undefined): target is MeasuredTarget {
  return target !== undefined && !('failed' in target);
}

/** Gateway minus direct, per percentile, for each latency the loads measure. */
function addedLatency(target: MeasuredTarget, direct: MeasuredTarget): Record<'sequential' | 'fixedRate' | 'firstEvent' | 'streamTotal', Added> {
  const difference = (pick: (load: TargetLoadResult) => { p50: number; p90: number; p99: number }): Added => {
    const measured = pick(target.load);
    const baseline = pick(direct.load);
    return { p50: measured.p50 - baseline.p50, p90: measured.p90 - baseline.p90, p99: measured.p99 - baseline.p99 };
  };
  return {
    sequential: difference((load) => load.sequential.latency),
    fixedRate: difference((load) => load.fixedRate.latency),
    firstEvent: difference((load) => load.streaming.firstEvent),
    streamTotal: difference((load) => load.streaming.total),
  };
}

function verdict(definition: TargetDefinition, target: ReportTarget | undefined, direct: MeasuredTarget): { measured: string; result: string } {
  if (!isMeasured(target)) return { measured: '–', result: 'not measured (did not run)' };
  const errors = target.load[definition.scenario].errors.count;
  const value = definition.measure(addedLatency(target, direct), target);
  const measured = definition.kind === 'rate' ? `${integer(value)} req/s, ${errors} errors` : addedMilliseconds(value);
  const within = definition.kind === 'rate' ? value >= definition.limit : value <= definition.limit;
  if (errors > 0) return { measured, result: `**not met** (${errors} errors)` };
  return { measured, result: within ? 'met' : '**not met**' };
}

function machineSection(run: GatewayRun): string {
  const { machine, build } = run;
  const buildNotes = [`commit ${build.commit}`];
  if (build.uncommittedFiles !== undefined) buildNotes.push(`${build.uncommittedFiles} uncommitted files under packages/, services/, proto/`);
  buildNotes.push(build.staleWorkspaces.length > 0 ? `**dist older than src in ${build.staleWorkspaces.join(', ')}**` : 'dist up to date with src');
  return table(
    ['', ''],
    [
      ['Processors (`nproc`)', String(machine.processors)],
      ['CPU', machine.cpuModel],
      ['Memory', `${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB`],
      ['Node', machine.node],
      ['OS', machine.platform],
      ['Date', machine.date],
      ['Gateway build', buildNotes.join('; ')],
      ['Gateway log level', `${run.logLevel} (pino JSON, written to a file per process)`],
      ['Bench duration', `${run.durationSeconds.toFixed(0)} s${run.quick ? ' (`--quick`: short runs, figures are rough)' : ''}`],
    ],
    { leftAligned: true },
  );
}

function settingsSection(settings: LoadSettings): string {
  const { sequential, fixedRate, throughput, streaming } = settings;
  return [
    `- **Sequential**: one keep-alive connection per target, ${integer(sequential.warmup)} warm-up then ${integer(sequential.requests)} measured non-streaming requests, one at a time; the targets take turns in ${sequential.rounds} rounds so that all of them see the same machine.`,
    `- **Streaming**: the same with streaming requests, ${integer(streaming.warmup)} warm-up then ${integer(streaming.requests)} measured in ${streaming.rounds} rounds; first event = first complete \`data:\` event received.`,
    `- **Fixed rate**: each target alone, ${integer(fixedRate.perSecond)} req/s open loop (up to ${fixedRate.connections} connections), ${fixedRate.warmupSeconds} s warm-up then ${fixedRate.seconds} s measured; latency counted from each request's scheduled send time.`,
    `- **Maximum throughput**: each target alone, ${throughput.connections} connections, closed loop, ${throughput.warmupSeconds} s warm-up then ${throughput.seconds} s measured.`,
  ].join('\n');
}

function addedSection(run: GatewayRun, direct: MeasuredTarget, others: ReportTarget[]): string {
  const columns = others.map((target) => LABELS[target.name]);
  const row = (label: string, render: (target: MeasuredTarget) => string): string[] => [
    label,
    ...others.map((target) => (isMeasured(target) ? render(target) : 'did not run')),
  ];
  const added = (target: MeasuredTarget) => addedLatency(target, direct);
  const throughputRatio = (target: MeasuredTarget): number => target.load.throughput.requestsPerSecond / direct.load.throughput.requestsPerSecond;
  const rate = integer(run.settings.fixedRate.perSecond);
  return table(
    ['', ...columns],
    [
      row('Sequential, p50 added', (target) => addedMilliseconds(added(target).sequential.p50)),
      row('Sequential, p90 added', (target) => addedMilliseconds(added(target).sequential.p90)),
      row('Sequential, p99 added', (target) => addedMilliseconds(added(target).sequential.p99)),
      row(`${rate} req/s, p50 added`, (target) => addedMilliseconds(added(target).fixedRate.p50)),
      row(`${rate} req/s, p90 added`, (target) => addedMilliseconds(added(target).fixedRate.p90)),
      row(`${rate} req/s, p99 added`, (target) => addedMilliseconds(added(target).fixedRate.p99)),
      row(
        `Max throughput (${run.settings.throughput.connections} connections)`,
        (target) =>
          `${integer(target.load.throughput.requestsPerSecond)} req/s (${(throughputRatio(target) * 100).toFixed(0)}% of direct), ${target.load.throughput.errors.count} errors`,
      ),
      row('CPU per request at max throughput (all its processes)', (target) => `${integer(target.cpu.microsPerRequest ?? NaN)} µs`),
      row('Streaming, time to first event p50 added', (target) => addedMilliseconds(added(target).firstEvent.p50)),
      row('Streaming, time to first event p99 added', (target) => addedMilliseconds(added(target).firstEvent.p99)),
      row('Streaming, whole stream p50 added', (target) => addedMilliseconds(added(target).streamTotal.p50)),
      row('Peak RSS (VmHWM, summed over its processes)', (target) => {
        const roles = Object.entries(target.peakRss?.byRole ?? {});
        const parts = roles.length > 1 ? ` (${roles.map(([role, bytes]) => `${role} ${mebibytes(bytes)}`).join(', ')})` : '';
        return `${mebibytes(target.peakRss?.total ?? NaN)}${parts}`;
      }),
    ],
  );
}

function rawSection(run: GatewayRun): string {
  const measured = run.targets.filter(isMeasured);
  const name = (target: ReportTarget): string => LABELS[target.name];
  const errors = (result: { errors: { count: number } }): string => String(result.errors.count);
  const rate = integer(run.settings.fixedRate.perSecond);
  const sections: string[] = [];
  sections.push('### Sequential, one connection (ms)');
  sections.push(
    table(
      ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'errors'],
      measured.map((target) => {
        const { latency } = target.load.sequential;
        return [
          name(target),
          milliseconds(latency.p50),
          milliseconds(latency.p90),
          milliseconds(latency.p99),
          milliseconds(latency.p999),
          milliseconds(latency.max),
          milliseconds(latency.mean),
          errors(target.load.sequential),
        ];
      }),
    ),
  );
  sections.push(`### Fixed rate, ${rate} req/s open loop (ms from scheduled send time)`);
  sections.push(
    'Send lag is how late the load generator sent requests against their schedule (Node timers fire on whole milliseconds); it is inside every figure of this table, for the baseline as much as for the gateway.',
  );
  const overloaded = measured.filter((target) => target.load.throughput.requestsPerSecond < run.settings.fixedRate.perSecond * 2);
  if (overloaded.length > 0) {
    sections.push(
      `**${overloaded.map(name).join(', ')}: the maximum throughput measured below is less than twice ${rate} req/s, so at this rate the processes are close to saturation (or past it) and requests queue.**`,
    );
  }
  sections.push(
    table(
      ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'send lag p50', 'send lag p99', 'errors'],
      measured.map((target) => {
        const { latency, sendLag } = target.load.fixedRate;
        return [
          name(target),
          milliseconds(latency.p50),
          milliseconds(latency.p90),
          milliseconds(latency.p99),
          milliseconds(latency.p999),
          milliseconds(latency.max),
          milliseconds(sendLag.p50),
          milliseconds(sendLag.p99),
          errors(target.load.fixedRate),
        ];
      }),
    ),
  );
  sections.push(`### Maximum throughput, ${run.settings.throughput.connections} connections`);
  sections.push(`CPU cores used during the run (warm-up included), from \`/proc/<pid>/stat\`; the machine has ${run.machine.processors}.`);
  sections.push(
    table(
      ['', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'CPU cores: under test', 'mock upstream', 'load generator'],
      measured.map((target) => {
        const { throughput } = target.load;
        const byRole = Object.entries(target.cpu.underTestCoresByRole ?? {});
        const underTestCores =
          target.name === 'direct'
            ? '–'
            : `${formatCores(target.cpu.underTestCores ?? NaN)}${byRole.length > 1 ? ` (${byRole.map(([role, value]) => `${role} ${formatCores(value)}`).join(', ')})` : ''}`;
        return [
          name(target),
          integer(throughput.requestsPerSecond),
          milliseconds(throughput.latency.p50),
          milliseconds(throughput.latency.p99),
          milliseconds(throughput.latency.p999),
          errors(throughput),
          underTestCores,
          formatCores(target.cpu.mockCores ?? NaN),
          formatCores(target.cpu.loadGeneratorCores ?? NaN),
        ];
      }),
    ),
  );
  sections.push('### Streaming, one connection (ms)');
  sections.push(
    table(
      [
        '',
        'headers p50',
        'first event p50',
        'first event p90',
        'first event p99',
        'whole stream p50',
        'whole stream p99',
        'events per stream',
        'errors',
      ],
      measured.map((target) => {
        const { streaming } = target.load;
        return [
          name(target),
          milliseconds(streaming.headers.p50),
          milliseconds(streaming.firstEvent.p50),
          milliseconds(streaming.firstEvent.p90),
          milliseconds(streaming.firstEvent.p99),
          milliseconds(streaming.total.p50),
          milliseconds(streaming.total.p99),
          String(streaming.eventsPerStream),
          errors(streaming),
        ];
      }),
    ),
  );
  sections.push('### Other load on the machine');
  // Sampling jitter can make "everything minus ours" slightly negative.
  const nonNegative = (value: number | undefined): string => (Number.isFinite(value) ? Math.max(0, value as number).toFixed(2) : '–');
  sections.push(
    `Busy CPU of the whole machine (from \`/proc/stat\`) minus this benchmark's own processes: ${nonNegative(run.otherCoresOverall)} cores on average over the whole measurement. Per target, during its maximum-throughput run (where it matters most), with the CPU stolen by the hypervisor; anything well above zero makes that target's figures noisier.`,
  );
  sections.push(
    table(
      ['', 'machine busy just before (cores)', 'other processes (cores)', 'stolen (cores)'],
      measured.map((target) => [
        name(target),
        nonNegative(target.cpu.busyCoresBefore),
        nonNegative(target.cpu.otherCores),
        nonNegative(target.cpu.stolenCores),
      ]),
    ),
  );
  return sections.join('\n\n');
}

function problemsSection(targets: ReportTarget[]): string {
  const lines: string[] = [];
  for (const target of targets) {
    if (!isMeasured(target)) {
      lines.push(`- **${LABELS[target.name]}** did not run:\n\n  \`\`\`\n  ${target.failed.split('\n').join('\n  ')}\n  \`\`\``);
      continue;
    }
    if (!target.load.check.ok) lines.push(`- **${LABELS[target.name]}** response check failed: ${target.load.check.problems.join('; ')}`);
    for (const load of ['sequential', 'fixedRate', 'throughput', 'streaming'] as const) {
      const { count, samples } = target.load[load].errors;
      if (count > 0) {
        lines.push(
          `- **${LABELS[target.name]}**, ${load}: ${count} errors, e.g. ${samples.map((sample) => `\`${sample.replace(/`/g, "'").replace(/\s+/g, ' ')}\``).join(', ')}`,
        );
      }
    }
  }
  return lines.length > 0
    ? lines.join('\n')
    : 'None: every request answered 200, and the gateway returned the recorded content unchanged (checked once per target, streaming and not).';
}

function buildReport(run: GatewayRun): string {
  const direct = run.targets.find((target) => target.name === 'direct');
  if (!isMeasured(direct)) throw new Error('the direct baseline was not measured');
  const gateways = run.targets.filter((target) => target.name !== 'direct');
  const verdicts = TARGETS.map((definition) => ({
    definition,
    ...verdict(
      definition,
      gateways.find((candidate) => candidate.name === definition.mode),
      direct,
    ),
  }));
  const sections = [
    '# Gateway overhead',
    'Written by `npm run bench` (scenario `gateway`; see [../README.md](../README.md) for the method and caveats). Everything ran on the one machine below: the mock upstream, the gateway and the load generator share its CPUs.',
    '## Machine',
    machineSection(run),
    '## Targets',
    table(
      ['Target', 'Measured', 'Result'],
      verdicts.map(({ definition, measured, result }) => [definition.label, measured, result]),
    ),
    '## What the gateway adds over calling the upstream directly',
    'Each latency is a percentile through the gateway minus the same percentile measured straight against the mock upstream, in the same run. The reference proxy is not the gateway: it is `bench/harness/reference-proxy.ts`, a bare `node:http` server forwarding with undici (no routing, validation, logging or metrics), measured the same way to show what one Node.js proxy hop costs on this machine before any gateway logic.',
    addedSection(run, direct, gateways),
    '## Raw figures',
    settingsSection(run.settings),
    rawSection(run),
    '## Errors and checks',
    problemsSection(run.targets),
  ];
  if (run.profileSummary) sections.push('## CPU profile (gateway under this load)', run.profileSummary);
  return `${sections.join('\n\n')}\n`;
}
