/**
 * Scenario `publish`: what publishing a request's events costs the gateway's
 * latency and throughput.
 *
 * The same gateway (`harness/event-gateway.ts`: local router and adapters in
 * front of the mock upstream) runs three times, in three processes, each with
 * another event publisher:
 *   (a) discard: a publisher that keeps nothing (the baseline);
 *   (b) kafka:   KafkaEventPublisherThread against the real broker;
 *   (c) bus:     InProcessEventBus with the PGlite event store subscribed
 *                (embedded mode's path).
 * The mock is measured directly too, so each figure can be given as what the
 * gateway adds.
 *
 * The unchanged load generator measures them at the load levels of the
 * gateway scenario: one connection sequentially (the targets taking turns),
 * 500 req/s open loop, and 32 connections closed loop. That is one
 * repetition; the whole is repeated (default 5 times) with fresh gateway
 * processes each time and the order of the targets rotated, and the report
 * gives the median over the repetitions with the lowest and highest value.
 * After each load every gateway is drained (every event published so far
 * delivered) before the next starts, so a publisher's backlog never runs
 * behind another target's measurement; how long that took is reported.
 *
 * Kafka: topics of the run's own (`bench-publish-<time>-<pid>.` before the
 * usual names, 3 partitions), deleted at the end.
 */

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALL_TOPICS, ensureTopics } from '@switchyard/events';
import { Client } from 'undici';
import { forkScript, freePort, messageOf, nextMessage, stopChild, tailOf } from '../harness/child-processes';
import type { DrainedMessage, LoopFigures, PublisherName } from '../harness/event-gateway';
import { CHAT_COMPLETIONS_PATH, MODEL, chatRequestBody, expectedCompletionContent, expectedStreamContent } from '../harness/fixtures';
import { type MockUpstream, startMockUpstream } from '../harness/gateway-processes';
import { KAFKA_BROKERS, deleteTopics } from '../harness/kafka-topics';
import type { FixedRateSettings, LoadName, SequentialSettings, TargetLoadResult, ThroughputSettings } from '../harness/load-generator';
import { LoadGeneratorProcess } from '../harness/load-generator-process';
import { describeRun } from '../harness/machine-info';
import { integer, median, milliseconds, percent, signedMilliseconds, table, withSpread } from '../harness/markdown';
import { REPOSITORY_ROOT, harnessScript } from '../harness/paths';
import { cpuSeconds, machineCpuSeconds, ownCpuSeconds } from '../harness/proc-readings';
import { summarizeProfiles } from '../harness/profile-summary';
import type { Scenario, ScenarioContext, ScenarioOptions, ScenarioReport } from '../harness/scenario';

const KAFKA_PID_FILE = path.join(REPOSITORY_ROOT, '.services', 'kafka', 'server.pid');

type ConfigName = Extract<PublisherName, 'discard' | 'kafka' | 'bus'>;
type TargetName = 'direct' | ConfigName;

const CONFIGS: { name: ConfigName; label: string }[] = [
  { name: 'discard', label: '(a) events discarded' },
  { name: 'kafka', label: '(b) KafkaEventPublisherThread' },
  { name: 'bus', label: '(c) in-process bus → PGlite' },
];

interface PublishSettings {
  repetitions: number;
  /** Repetitions added, at most, while some comparison has fewer undisturbed repetitions than asked for. */
  extraRepetitions: number;
  sequential: SequentialSettings;
  fixedRate: FixedRateSettings;
  throughput: ThroughputSettings;
}

const SETTINGS: Record<'full' | 'quick', PublishSettings> = {
  full: {
    repetitions: 5,
    extraRepetitions: 4,
    sequential: { warmup: 500, requests: 5_000, rounds: 10 },
    fixedRate: { perSecond: 500, warmupSeconds: 1, seconds: 10, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 2, seconds: 10 },
  },
  quick: {
    repetitions: 1,
    extraRepetitions: 0,
    sequential: { warmup: 100, requests: 500, rounds: 2 },
    fixedRate: { perSecond: 500, warmupSeconds: 0.5, seconds: 2, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 1, seconds: 2 },
  },
};

type LevelName = Extract<LoadName, 'sequential' | 'fixedRate' | 'throughput'>;

/** The load levels reported, in order, with the load generator's names. */
const LEVELS: { scenario: LevelName; label: string }[] = [
  { scenario: 'sequential', label: 'sequential, 1 connection' },
  { scenario: 'fixedRate', label: '500 req/s open loop' },
  { scenario: 'throughput', label: 'max throughput, 32 connections' },
];

const TARGET_PERCENT = 10;

/**
 * A run of a target counts as disturbed when processes other than the
 * benchmark's own (and the Kafka broker) used more than this many cores
 * meanwhile: other engineers' builds and tests share the machine.
 */
const DISTURBED_CORES = 0.25;

/** What became of one gateway's events over one load, and the drain after it. */
interface Delivery {
  accepted: number;
  published: number;
  spooled: number;
  dropped: number;
  drainMs: number;
  brokerSecondsDuringDrain: number;
  rows?: number;
  loop?: LoopFigures;
}

interface LoadCpu {
  gatewayCores: number;
  gatewayMicrosPerRequest: number;
  brokerCores: number;
  mockCores: number;
  loadGeneratorCores: number;
  machineCores: number;
}

interface TargetExtra {
  deliveries: Partial<Record<LoadName, Delivery>>;
  cpu: Partial<Record<LoadName, LoadCpu>>;
}

interface Repetition {
  load: Record<TargetName, TargetLoadResult>;
  extra: Record<TargetName, TargetExtra>;
  busyBefore: number[];
  /** Per load and target ('*' for the targets in turns): cores used by processes other than the benchmark's own. */
  otherCores: Partial<Record<LoadName, Record<string, number>>>;
}

interface EventGateway {
  publisher: ConfigName;
  child: ChildProcess;
  origin: string;
  logFile: string;
}

interface PublishData {
  settings: PublishSettings;
  repetitions: Repetition[];
  startedAt: Date;
  durationSeconds: number;
  topicPrefix: string;
}

/** Whether every one of `targets` ran undisturbed at this load level in this repetition. */
function undisturbed(repetition: Repetition, scenario: LevelName, targets: TargetName[]): boolean {
  const other = repetition.otherCores[scenario] ?? {};
  if (scenario === 'sequential') return (other['*'] ?? Infinity) <= DISTURBED_CORES;
  return targets.every((target) => (other[target] ?? Infinity) <= DISTURBED_CORES);
}

/** Whether each comparison with the baseline, at each load level, has `wanted` undisturbed repetitions. */
function enoughUndisturbed(repetitions: Repetition[], wanted: number): boolean {
  return LEVELS.every(({ scenario }) =>
    (['kafka', 'bus'] as const).every(
      (config) => repetitions.filter((repetition) => undisturbed(repetition, scenario, ['discard', config])).length >= wanted,
    ),
  );
}

function kafkaBrokerPid(): number | undefined {
  try {
    return Number(fs.readFileSync(KAFKA_PID_FILE, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

interface GatewayStart {
  upstreamBaseUrl: string;
  outputDirectory: string;
  logLevel: string;
  topicPrefix: string;
  spoolDirectory: string;
  repetition: number;
  profileDirectory?: string;
  loopDelay: boolean;
}

/** Starts one `event-gateway.ts` with its publisher; resolves once it answered a chat completion. */
async function startEventGateway(publisher: ConfigName, start: GatewayStart): Promise<EventGateway> {
  const port = await freePort();
  const config = {
    server: { host: '127.0.0.1', port },
    providers: { openai: { kind: 'openai', baseUrl: start.upstreamBaseUrl, models: [MODEL, '*'] } },
    events: { kafka: { brokers: KAFKA_BROKERS }, spoolDirectory: start.spoolDirectory },
  };
  const configFile = path.join(start.outputDirectory, `config-events-${publisher}.yaml`);
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const logFile = path.join(start.outputDirectory, `events-gateway-${publisher}-${start.repetition}.log`);
  const log = fs.openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = forkScript(
      harnessScript('event-gateway'),
      ['--publisher', publisher, '--config', configFile, '--spool', start.spoolDirectory, '--topic-prefix', start.topicPrefix],
      {
        stdio: ['ignore', log, log, 'ipc'],
        cwd: REPOSITORY_ROOT,
        env: { ...process.env, LOG_LEVEL: start.logLevel, ...(start.loopDelay ? { BENCH_LOOP_DELAY: '1' } : {}) },
        // One directory per publisher: worker threads (PGlite's) write profiles of their own.
        execArgv: start.profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${path.join(start.profileDirectory, publisher)}`] : [],
      },
    );
  } finally {
    fs.closeSync(log);
  }
  try {
    await nextMessage(child, 'listening', 60_000);
    const client = new Client(`http://127.0.0.1:${port}`);
    try {
      const response = await client.request({
        path: CHAT_COMPLETIONS_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatRequestBody({ stream: false }),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`chat completion answered ${response.statusCode}: ${text.slice(0, 300)}`);
    } finally {
      await client.close();
    }
  } catch (error) {
    await stopChild(child);
    throw new Error(`gateway with publisher ${publisher} did not start: ${messageOf(error)}\n--- ${logFile} ---\n${tailOf(logFile)}`, {
      cause: error,
    });
  }
  return { publisher, child, origin: `http://127.0.0.1:${port}`, logFile };
}

/** Asks a gateway to deliver everything published so far; resolves with its counts. */
async function drain(gateway: EventGateway): Promise<DrainedMessage> {
  const reply = nextMessage<DrainedMessage>(gateway.child, 'drained', 120_000);
  gateway.child.send({ type: 'drain' });
  const report = await reply;
  if (report.error) throw new Error(`draining ${gateway.publisher}: ${report.error}`);
  return report;
}

interface Snapshot {
  at: number;
  gateway: number;
  gateways: number;
  broker: number;
  mock: number;
  loadGenerator: number;
  parent: number;
  machine: number;
  ours: number;
}

/**
 * One repetition: the load generator runs its loads against the mock and
 * the three gateways. Returns, per target and load, the load generator's
 * result, with CPU figures and the drain that followed.
 */
async function runRepetition(
  gateways: EventGateway[],
  mock: MockUpstream,
  settings: PublishSettings,
  order: number[],
  context: ScenarioContext,
): Promise<Repetition> {
  const targets: { name: TargetName; origin: string }[] = [
    { name: 'direct', origin: mock.origin },
    ...gateways.map((gateway) => ({ name: gateway.publisher, origin: gateway.origin })),
  ];
  const ordered = order.map((index) => targets[index]);
  const byName = new Map<string | undefined, EventGateway>(gateways.map((gateway) => [gateway.publisher, gateway]));
  const brokerPid = kafkaBrokerPid();
  const loadGenerator = new LoadGeneratorProcess();
  const extra = Object.fromEntries(targets.map((target) => [target.name, { deliveries: {}, cpu: {} }])) as Record<TargetName, TargetExtra>;
  const lastDrain = new Map<ConfigName, Pick<DrainedMessage, 'accepted' | 'published' | 'spooled' | 'dropped'>>(
    gateways.map((gateway) => [gateway.publisher, { accepted: 0, published: 0, spooled: 0, dropped: 0 }]),
  );
  let pendingDrain: Promise<unknown> = Promise.resolve();
  const busyBefore: number[] = [];
  const otherCores: Repetition['otherCores'] = {};

  const snapshot = (gateway: EventGateway | undefined): Snapshot => {
    const figures = {
      at: performance.now(),
      gateway: gateway ? cpuSeconds(gateway.child.pid) : 0,
      gateways: gateways.reduce((sum, each) => sum + cpuSeconds(each.child.pid), 0),
      broker: brokerPid ? cpuSeconds(brokerPid) : 0,
      mock: cpuSeconds(mock.child.pid),
      loadGenerator: loadGenerator.cpuSeconds(),
      parent: ownCpuSeconds(),
      machine: machineCpuSeconds().busy,
    };
    return { ...figures, ours: figures.gateways + figures.broker + figures.mock + figures.loadGenerator + figures.parent };
  };
  let before = snapshot(undefined);

  const drainInto = async (gateway: EventGateway, scenario: LoadName): Promise<void> => {
    const started = performance.now();
    const brokerBefore = brokerPid ? cpuSeconds(brokerPid) : NaN;
    const report = await drain(gateway);
    const previous = lastDrain.get(gateway.publisher) ?? { accepted: 0, published: 0, spooled: 0, dropped: 0 };
    lastDrain.set(gateway.publisher, report);
    const delta = (key: 'accepted' | 'published' | 'spooled' | 'dropped'): number => (report[key] ?? 0) - (previous[key] ?? 0);
    const into = (extra[gateway.publisher].deliveries[scenario] ??= {
      accepted: 0,
      published: 0,
      spooled: 0,
      dropped: 0,
      drainMs: 0,
      brokerSecondsDuringDrain: NaN,
    });
    into.accepted += delta('accepted');
    into.published += delta('published');
    into.spooled += delta('spooled');
    into.dropped += delta('dropped');
    into.drainMs = Math.max(into.drainMs, performance.now() - started);
    into.brokerSecondsDuringDrain = (brokerPid ? cpuSeconds(brokerPid) : NaN) - brokerBefore;
    if (report.rows !== undefined) into.rows = report.rows;
    if (report.loop) into.loop = report.loop;
  };

  loadGenerator.onMessage((message) => {
    if (message.type === 'scenario-start') {
      void (async () => {
        await pendingDrain;
        if (message.name !== 'check' && message.name !== 'streaming') {
          context.progress(`${message.name}${message.target ? `: ${message.target}` : ' (all targets in turns)'}`);
          busyBefore.push(await context.quiet.wait());
        }
        before = snapshot(byName.get(message.target));
        loadGenerator.proceed();
      })();
    } else if (message.type === 'scenario-end') {
      const gateway = byName.get(message.target);
      const after = snapshot(gateway);
      const seconds = (after.at - before.at) / 1000;
      (otherCores[message.name] ??= {})[message.target ?? '*'] = (after.machine - before.machine - (after.ours - before.ours)) / seconds;
      if (message.target) {
        extra[message.target as TargetName].cpu[message.name] = {
          gatewayCores: (after.gateway - before.gateway) / seconds,
          gatewayMicrosPerRequest: ((after.gateway - before.gateway) * 1e6) / (message.requests ?? NaN),
          brokerCores: (after.broker - before.broker) / seconds,
          mockCores: (after.mock - before.mock) / seconds,
          loadGeneratorCores: (after.loadGenerator - before.loadGenerator) / seconds,
          machineCores: (after.machine - before.machine) / seconds,
        };
      }
      const toDrain = gateway ? [gateway] : message.target ? [] : gateways;
      pendingDrain = Promise.all(toDrain.map((each) => drainInto(each, message.name)));
    }
  });
  try {
    const message = await loadGenerator.run({
      targets: ordered,
      path: CHAT_COMPLETIONS_PATH,
      settings: { ...settings, streaming: { warmup: 0, requests: 0, rounds: 1 } },
      expected: { completion: expectedCompletionContent(), stream: expectedStreamContent() },
    });
    await pendingDrain;
    return { load: message.result, extra, busyBefore, otherCores };
  } finally {
    await loadGenerator.stop();
  }
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const { options, outputDirectory } = context;
  const base = options.quick ? SETTINGS.quick : SETTINGS.full;
  const settings: PublishSettings = { ...base, repetitions: options.repetitions ?? base.repetitions };
  const started = performance.now();
  const startedAt = new Date();
  const topicPrefix = `bench-publish-${Date.now()}-${process.pid}.`;
  const spoolRoot = path.join(outputDirectory, `spool-${process.pid}`);
  const profileDirectory = options.cpuProfile ? path.join(outputDirectory, 'profiles-publish') : undefined;
  if (profileDirectory) fs.rmSync(profileDirectory, { recursive: true, force: true });
  context.progress(`creating topics ${topicPrefix}*`);
  await ensureTopics(
    KAFKA_BROKERS,
    ALL_TOPICS.map((topic) => topicPrefix + topic),
    { numPartitions: 3, replicationFactor: 1 },
  );
  const mock = await startMockUpstream();
  const repetitions: Repetition[] = [];
  try {
    for (let repetition = 0; repetition < settings.repetitions + settings.extraRepetitions; repetition++) {
      if (repetition >= settings.repetitions && enoughUndisturbed(repetitions, settings.repetitions)) break;
      context.progress(
        `repetition ${repetition + 1}${repetition < settings.repetitions ? ` of ${settings.repetitions}` : ', an extra one: other processes disturbed too many'}: starting the gateways`,
      );
      const gateways: EventGateway[] = [];
      try {
        for (const { name } of CONFIGS) {
          gateways.push(
            await startEventGateway(name, {
              upstreamBaseUrl: `${mock.origin}/v1`,
              outputDirectory,
              logLevel: options.logLevel,
              topicPrefix,
              spoolDirectory: path.join(spoolRoot, `${name}-${repetition}`),
              repetition,
              profileDirectory,
              loopDelay: options.loopDelay,
            }),
          );
        }
        // Rotate the order of the four targets, so no configuration always runs right after another.
        const order = [0, 1, 2, 3].map((index) => (index + repetition) % 4);
        repetitions.push(await runRepetition(gateways, mock, settings, order, context));
      } finally {
        for (const gateway of gateways.reverse()) await stopChild(gateway.child, 15_000);
      }
    }
  } finally {
    await stopChild(mock.child);
    fs.rmSync(spoolRoot, { recursive: true, force: true });
    try {
      context.progress(`deleted topics ${(await deleteTopics(topicPrefix)).join(', ')}`);
    } catch (error) {
      context.progress(`could not delete the topics ${topicPrefix}*: ${messageOf(error)}`);
    }
  }
  const data: PublishData = { settings, repetitions, startedAt, durationSeconds: (performance.now() - started) / 1000, topicPrefix };
  let markdown = buildPublishReport(data, context);
  if (profileDirectory) {
    markdown += `\n\n#### CPU profiles (all repetitions of each publisher; slowed down by the profiler)\n\n`;
    markdown += CONFIGS.map(({ name, label }) => `##### ${label}\n\n${summarizeProfiles([path.join(profileDirectory, name)], 20)}`).join('\n\n');
  }
  return { markdown };
}

export const publishCost: Scenario = {
  name: 'publish',
  summary: 'what publishing events (discarded / Kafka / in-process bus to PGlite) costs the gateway (Kafka)',
  // Several minutes on a machine other engineers' tests share: a budget per repetition.
  quietBudgetSeconds: (options: ScenarioOptions) => (options.quick ? 10 : 60 * (options.repetitions ?? SETTINGS.full.repetitions)),
  run,
};

// --- report --------------------------------------------------------------------------------------

/**
 * The repetitions in which all of `targets` ran undisturbed at this load
 * level, or all of them (marked) when there is none.
 */
function chosen(data: PublishData, scenario: LevelName, targets: TargetName[]): { repetitions: Repetition[]; disturbed: boolean } {
  const clean = data.repetitions.filter((repetition) => undisturbed(repetition, scenario, targets));
  return clean.length > 0 ? { repetitions: clean, disturbed: false } : { repetitions: data.repetitions, disturbed: true };
}

/** Per repetition, the latency summary of a target at a load level. */
function latencies(data: PublishData, target: TargetName, scenario: LevelName) {
  return chosen(data, scenario, [target]).repetitions.map((repetition) => repetition.load[target][scenario].latency);
}

function p99Change(data: PublishData, config: ConfigName, scenario: LevelName): number[] {
  return chosen(data, scenario, ['discard', config]).repetitions.map((repetition) => {
    const baseline = repetition.load.discard[scenario].latency.p99;
    return ((repetition.load[config][scenario].latency.p99 - baseline) / baseline) * 100;
  });
}

const ms = (value: number): string => milliseconds(value, 2);

function buildPublishReport(data: PublishData, context: ScenarioContext): string {
  const { options } = context;
  const { settings } = data;
  const count = data.repetitions.length;
  const lines: string[] = [];
  lines.push("### Publishing cost on the gateway's latency");
  lines.push('');
  lines.push(
    `Run ${data.startedAt.toISOString()}, ${Math.round(data.durationSeconds)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- publish${options.quick ? ' --quick' : ''}${options.repetitions ? ` --repetitions ${options.repetitions}` : ''}` +
      `${options.cpuProfile ? ' --cpu-prof' : ''}${options.loopDelay ? ' --loop-delay' : ''}\`.`,
  );
  lines.push('');
  lines.push(
    `The same gateway process (local router and adapters, \`LOG_LEVEL=${options.logLevel}\`) with three event publishers, and the mock upstream directly. ` +
      `${count} repetitions, each with fresh processes and the targets in a rotated order; every figure is the median over the undisturbed repetitions ` +
      `with [lowest … highest] after it. Per repetition: sequential ${settings.sequential.requests.toLocaleString('en-US')} requests after ` +
      `${settings.sequential.warmup} of warm-up, the targets taking turns in ${settings.sequential.rounds} rounds; ` +
      `${settings.fixedRate.perSecond} req/s for ${settings.fixedRate.seconds} s; ${settings.throughput.connections} connections for ` +
      `${settings.throughput.seconds} s. Two events per request (RequestCompleted, CostRecorded).`,
  );
  lines.push('');

  // Headline: p99 change against (a).
  const verdicts: { config: ConfigName; label: string; change: number }[] = [];
  const headRows = LEVELS.map(({ scenario, label }) => {
    const row = [
      label,
      withSpread(
        latencies(data, 'discard', scenario).map((each) => each.p99),
        ms,
      ),
    ];
    for (const config of ['kafka', 'bus'] as const) {
      const change = p99Change(data, config, scenario);
      const { disturbed } = chosen(data, scenario, ['discard', config]);
      row.push(
        withSpread(
          latencies(data, config, scenario).map((each) => each.p99),
          ms,
        ),
        `${withSpread(change, percent)} (${change.length}${disturbed ? ', all disturbed' : ''})`,
      );
      verdicts.push({ config, label, change: median(change) });
    }
    return row;
  });
  lines.push(
    '**p99 latency as the client sees it (ms), and its change against (a)** — target: publishing moves the p99 by no more than ' +
      `${TARGET_PERCENT} %.`,
  );
  lines.push('');
  lines.push(
    `A run counts as disturbed when processes outside the benchmark (other engineers' builds and tests; the Kafka broker counts as the benchmark's) ` +
      `used more than ${DISTURBED_CORES} cores meanwhile; only undisturbed repetitions are used, their number in brackets after each change ` +
      `(both targets of the comparison undisturbed). The change is computed within each repetition, then the median taken.`,
  );
  lines.push('');
  lines.push(table(['load', '(a) discarded p99', '(b) Kafka p99', '(b) vs (a)', '(c) bus → PGlite p99', '(c) vs (a)'], headRows));
  lines.push('');
  const verdictRows = verdicts.map(({ config, label, change }) => [
    `${config === 'kafka' ? '(b) Kafka' : '(c) bus → PGlite'}, ${label}`,
    percent(change),
    Number.isFinite(change) ? (change <= TARGET_PERCENT ? 'met' : '**not met**') : '–',
  ]);
  lines.push(table(['target: p99 change ≤ +10 % (median of the repetitions)', 'measured', 'result'], verdictRows));
  lines.push('');

  // Added latency and throughput.
  const addedRows: string[][] = [];
  for (const { scenario, label } of LEVELS) {
    for (const { name, label: configLabel } of CONFIGS) {
      const { repetitions: used } = chosen(data, scenario, ['direct', name]);
      const added = (key: 'p50' | 'p99'): number[] =>
        used.map((repetition) => repetition.load[name][scenario].latency[key] - repetition.load.direct[scenario].latency[key]);
      const row = [`${label}: ${configLabel}`, withSpread(added('p50'), signedMilliseconds), withSpread(added('p99'), signedMilliseconds)];
      row.push(
        scenario === 'throughput'
          ? withSpread(
              chosen(data, scenario, [name]).repetitions.map((repetition) => repetition.load[name].throughput.requestsPerSecond),
              integer,
            )
          : '',
      );
      row.push(`${used.length}`);
      addedRows.push(row);
    }
  }
  const direct = (scenario: LevelName, key: 'p50' | 'p99'): string =>
    withSpread(
      latencies(data, 'direct', scenario).map((each) => each[key]),
      ms,
    );
  lines.push(
    '**What each gateway adds over calling the mock directly (ms, gateway percentile minus direct percentile, same repetition), and req/s**',
  );
  lines.push('');
  lines.push(table(['load: publisher', 'p50 added', 'p99 added', 'req/s', 'repetitions'], addedRows));
  lines.push('');
  lines.push(
    `Direct to the mock: sequential p50 ${direct('sequential', 'p50')} / p99 ${direct('sequential', 'p99')} ms; ` +
      `500 req/s p50 ${direct('fixedRate', 'p50')} / p99 ${direct('fixedRate', 'p99')} ms; ` +
      `max throughput ${withSpread(
        data.repetitions.map((repetition) => repetition.load.direct.throughput.requestsPerSecond),
        integer,
      )} req/s.`,
  );
  lines.push('');

  // CPU at max throughput.
  const cpuRows = CONFIGS.map(({ name, label }) => {
    const cpu = (key: keyof LoadCpu): number[] =>
      chosen(data, 'throughput', [name]).repetitions.map((repetition) => repetition.extra[name].cpu.throughput?.[key] ?? NaN);
    const twoDecimals = (value: number): string => value.toFixed(2);
    return [
      label,
      withSpread(cpu('gatewayCores'), twoDecimals),
      withSpread(cpu('gatewayMicrosPerRequest'), integer),
      withSpread(cpu('brokerCores'), twoDecimals),
      withSpread(cpu('mockCores'), twoDecimals),
      withSpread(cpu('loadGeneratorCores'), twoDecimals),
      withSpread(cpu('machineCores'), twoDecimals),
    ];
  });
  lines.push(
    "**CPU at max throughput** (cores over the run, warm-up included, from `/proc`; the gateway figure includes its worker threads, PGlite's among them)",
  );
  lines.push('');
  lines.push(
    table(
      ['publisher', 'gateway cores', 'gateway µs CPU / request', 'Kafka broker cores', 'mock cores', 'load generator cores', 'whole machine cores'],
      cpuRows,
    ),
  );
  lines.push('');

  // Delivery.
  const deliveryRows = CONFIGS.filter(({ name }) => name !== 'discard').map(({ name, label }) => {
    let accepted = 0;
    let published = 0;
    let spooled = 0;
    let dropped = 0;
    const drainAfterThroughput: number[] = [];
    const drainAfterFixedRate: number[] = [];
    for (const repetition of data.repetitions) {
      for (const [scenario, figures] of Object.entries(repetition.extra[name].deliveries)) {
        accepted += figures.accepted;
        published += figures.published;
        spooled += figures.spooled;
        dropped += figures.dropped;
        if (scenario === 'throughput') drainAfterThroughput.push(figures.drainMs);
        if (scenario === 'fixedRate') drainAfterFixedRate.push(figures.drainMs);
      }
    }
    return [
      label,
      integer(accepted),
      integer(published),
      integer(spooled),
      integer(dropped),
      withSpread(drainAfterFixedRate, integer),
      withSpread(drainAfterThroughput, integer),
    ];
  });
  lines.push(
    '**Delivery**: events published by the gateway over all repetitions, and what became of them (delivered = acknowledged by Kafka, or written to PGlite); ' +
      "the drain is how long the publisher still needed, after the load generator's last reply, to deliver its backlog (ms).",
  );
  lines.push('');
  lines.push(table(['publisher', 'events', 'delivered', 'spooled', 'dropped', 'drain after 500 req/s', 'drain after max throughput'], deliveryRows));
  lines.push('');

  const disturbanceRows = LEVELS.map(({ scenario, label }) => {
    const figures = data.repetitions.flatMap((repetition) => Object.values(repetition.otherCores[scenario] ?? {}));
    const disturbedRuns = figures.filter((value) => value > DISTURBED_CORES).length;
    return [label, `${disturbedRuns} of ${figures.length}`, withSpread(figures, (value: number) => value.toFixed(2))];
  });
  lines.push(
    `**Other processes** during the measured runs (cores; above ${DISTURBED_CORES} the run counts as disturbed), over all ${data.repetitions.length} repetitions:`,
  );
  lines.push('');
  lines.push(table(['load', 'runs disturbed', 'other processes, cores'], disturbanceRows));
  lines.push('');

  if (options.loopDelay) {
    const loopRows = LEVELS.flatMap(({ scenario, label }) =>
      CONFIGS.map(({ name, label: configLabel }) => {
        const loop = (key: keyof LoopFigures): number[] =>
          chosen(data, scenario, [name]).repetitions.map((repetition) => repetition.extra[name].deliveries[scenario]?.loop?.[key] ?? NaN);
        return [
          `${label}: ${configLabel}`,
          withSpread(loop('delayP50Ms'), ms),
          withSpread(loop('delayP99Ms'), ms),
          withSpread(loop('delayMaxMs'), ms),
          withSpread(loop('gcPauses'), integer),
          withSpread(loop('gcTotalMs'), integer),
          withSpread(loop('gcMaxMs'), ms),
        ];
      }),
    );
    lines.push(
      '**Event loop of the gateway** (`--loop-delay`: `monitorEventLoopDelay` at 1 ms resolution, and GC pauses, over each scenario and the idle time after it; ' +
        'the 1 ms sampling timer is load of its own, so the latency figures of such a run are not the reference ones)',
    );
    lines.push('');
    lines.push(table(['load: publisher', 'loop delay p50 ms', 'p99 ms', 'max ms', 'GC pauses', 'GC total ms', 'longest GC ms'], loopRows));
    lines.push('');
  }

  const errors = (['discard', 'kafka', 'bus', 'direct'] as const).flatMap((name) =>
    data.repetitions.flatMap((repetition) =>
      LEVELS.map(({ scenario }) => repetition.load[name][scenario].errors)
        .filter((tally) => tally.count > 0)
        .map((tally) => `${name}: ${tally.count} (${tally.samples.join('; ')})`),
    ),
  );
  const checks = data.repetitions.flatMap((repetition) =>
    Object.entries(repetition.load)
      .filter(([, result]) => !result.check.ok)
      .map(([name, result]) => `${name}: ${result.check.problems.join('; ')}`),
  );
  lines.push(
    errors.length + checks.length === 0
      ? 'Errors: none; every request answered 200 with the recorded content.'
      : `Errors: ${[...errors, ...checks].join(' — ')}`,
  );
  const busiest = Math.max(...data.repetitions.flatMap((repetition) => repetition.busyBefore));
  lines.push('');
  lines.push(
    `Before each scenario the machine was quiet: at most ${busiest.toFixed(2)} cores busy in the half second before (other processes included).`,
  );
  return lines.join('\n');
}
