'use strict';

/**
 * `node bench/run.js publish`: what publishing a request's events costs the
 * gateway's latency and throughput.
 *
 * The same gateway (`event-gateway.js`: local router and adapters in front
 * of the mock upstream) runs three times, in three processes, each with
 * another event publisher:
 *   (a) discard: a publisher that keeps nothing (the baseline);
 *   (b) kafka:   KafkaEventPublisher against the real broker;
 *   (c) bus:     InProcessEventBus with the PGlite event store subscribed
 *                (embedded mode's path).
 * The mock is measured directly too, so each figure can be given as what the
 * gateway adds.
 *
 * The unchanged load generator (`load-generator.js`) measures them at the
 * load levels of the gateway benchmark: one connection sequentially (the
 * targets taking turns), 500 req/s open loop, and 32 connections closed
 * loop. That is one repetition; the whole is repeated (default 5 times) with
 * fresh gateway processes each time and the order of the targets rotated, and
 * the report gives the median over the repetitions with the lowest and
 * highest value. After each scenario every gateway is drained (every event
 * published so far delivered) before the next scenario starts, so a
 * publisher's backlog never runs behind another target's measurement; how
 * long that took is reported.
 *
 * Kafka: topics of the run's own (`bench-publish-<time>-<pid>.` before the
 * usual names, 3 partitions), deleted at the end.
 */

const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Client } = require('undici');
const { ALL_TOPICS, ensureTopics } = require('@switchyard/events');
const { CHAT_COMPLETIONS_PATH, MODEL, REPOSITORY_ROOT, chatRequestBody, expectedCompletionContent, expectedStreamContent } = require('./fixtures');
const { KAFKA_BROKERS, deleteTopics } = require('./kafka-topics');
const { summarizeProfiles } = require('./profile-summary');
const { forkScript, loadGeneratorOutcome, nextMessage, stopChild, freePort, cpuSeconds, machineCpuSeconds, tailOf } = require('./child-processes');

const KAFKA_PID_FILE = path.join(REPOSITORY_ROOT, '.services', 'kafka', 'server.pid');

const CONFIGS = [
  { name: 'discard', label: '(a) events discarded' },
  { name: 'kafka', label: '(b) KafkaEventPublisherThread' },
  { name: 'bus', label: '(c) in-process bus → PGlite' },
];

const SETTINGS = {
  full: {
    repetitions: 5,
    sequential: { warmup: 500, requests: 5_000, rounds: 10 },
    fixedRate: { perSecond: 500, warmupSeconds: 1, seconds: 10, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 2, seconds: 10 },
  },
  quick: {
    repetitions: 2,
    sequential: { warmup: 100, requests: 500, rounds: 2 },
    fixedRate: { perSecond: 500, warmupSeconds: 0.5, seconds: 2, connections: 16 },
    throughput: { connections: 32, warmupSeconds: 1, seconds: 2 },
  },
};

/** The load levels reported, in order, with the load generator's scenario names. */
const LEVELS = [
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
/** Repetitions added, at most, while some comparison has fewer undisturbed repetitions than asked for. */
const EXTRA_REPETITIONS = 4;

/** Whether every one of `targets` ran undisturbed at this load level in this repetition. */
function undisturbed(repetition, scenario, targets) {
  const other = repetition.otherCores[scenario] ?? {};
  if (scenario === 'sequential') return (other['*'] ?? Infinity) <= DISTURBED_CORES;
  return targets.every((target) => (other[target] ?? Infinity) <= DISTURBED_CORES);
}

/** Whether each comparison with the baseline, at each load level, has `wanted` undisturbed repetitions. */
function enoughUndisturbed(repetitions, wanted) {
  return LEVELS.every(({ scenario }) =>
    ['kafka', 'bus'].every((config) => repetitions.filter((repetition) => undisturbed(repetition, scenario, ['discard', config])).length >= wanted),
  );
}

function kafkaBrokerPid() {
  try {
    return Number(fs.readFileSync(KAFKA_PID_FILE, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Starts one `event-gateway.js` with its publisher; resolves once it answered a chat completion. */
async function startEventGateway(publisher, { upstreamBaseUrl, outputDirectory, logLevel: level, topicPrefix, spoolDirectory, repetition, profileDirectory, loopDelay }) {
  const port = await freePort();
  const config = {
    server: { host: '127.0.0.1', port },
    providers: { openai: { kind: 'openai', baseUrl: upstreamBaseUrl, models: [MODEL, '*'] } },
    events: { kafka: { brokers: KAFKA_BROKERS }, spoolDirectory },
  };
  const configFile = path.join(outputDirectory, `config-events-${publisher}.yaml`);
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const logFile = path.join(outputDirectory, `events-gateway-${publisher}-${repetition}.log`);
  const log = fs.openSync(logFile, 'w');
  let child;
  try {
    child = forkScript(
      path.join(__dirname, 'event-gateway.js'),
      ['--publisher', publisher, '--config', configFile, '--spool', spoolDirectory, '--topic-prefix', topicPrefix],
      {
        stdio: ['ignore', log, log, 'ipc'],
        cwd: REPOSITORY_ROOT,
        env: { ...process.env, LOG_LEVEL: level, ...(loopDelay ? { BENCH_LOOP_DELAY: '1' } : {}) },
        // One directory per publisher: worker threads (PGlite's) write profiles of their own.
        execArgv: profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDirectory, publisher)}`] : [],
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
    error.message = `gateway with publisher ${publisher} did not start: ${error.message}\n--- ${logFile} ---\n${tailOf(logFile)}`;
    throw error;
  }
  return { publisher, child, origin: `http://127.0.0.1:${port}`, logFile };
}

/** Asks a gateway to deliver everything published so far; resolves with its counts. */
async function drain(gateway) {
  const reply = nextMessage(gateway.child, 'drained', 120_000);
  gateway.child.send({ type: 'drain' });
  const report = await reply;
  if (report.error) throw new Error(`draining ${gateway.publisher}: ${report.error}`);
  return report;
}

/**
 * One repetition: the load generator runs its scenarios against the mock and
 * the three gateways. Returns, per target and scenario, the load generator's
 * result, with CPU figures and the drain that followed.
 */
async function runRepetition({ gateways, mock, settings, order, helpers }) {
  const targets = [{ name: 'direct', origin: mock.origin }, ...gateways.map((gateway) => ({ name: gateway.publisher, origin: gateway.origin }))];
  const ordered = order.map((index) => targets[index]);
  const byName = Object.fromEntries(gateways.map((gateway) => [gateway.publisher, gateway]));
  const brokerPid = kafkaBrokerPid();
  const loadGenerator = forkScript(path.join(__dirname, 'load-generator.js'));
  const extra = Object.fromEntries(targets.map((target) => [target.name, {}]));
  const lastDrain = Object.fromEntries(gateways.map((gateway) => [gateway.publisher, { accepted: 0, published: 0, spooled: 0, dropped: 0 }]));
  let pendingDrain = Promise.resolve();
  let before;
  const busyBefore = [];

  const snapshot = (gateway) => {
    const parent = process.cpuUsage();
    const figures = {
      at: performance.now(),
      gateway: gateway ? cpuSeconds(gateway.child.pid) : 0,
      gateways: gateways.reduce((sum, each) => sum + cpuSeconds(each.child.pid), 0),
      broker: brokerPid ? cpuSeconds(brokerPid) : 0,
      mock: cpuSeconds(mock.child.pid),
      loadGenerator: cpuSeconds(loadGenerator.pid),
      parent: (parent.user + parent.system) / 1e6,
      machine: machineCpuSeconds().busy,
    };
    figures.ours = figures.gateways + figures.broker + figures.mock + figures.loadGenerator + figures.parent;
    return figures;
  };
  /** Per scenario and target ('*' for the targets in turns): cores used by processes other than the benchmark's own. */
  const otherCores = {};
  const drainInto = async (gateway, scenario) => {
    const started = performance.now();
    const brokerBefore = brokerPid ? cpuSeconds(brokerPid) : NaN;
    const report = await drain(gateway);
    const previous = lastDrain[gateway.publisher];
    lastDrain[gateway.publisher] = report;
    const delta = (key) => (report[key] ?? 0) - (previous[key] ?? 0);
    const into = (extra[gateway.publisher][scenario] ??= { accepted: 0, published: 0, spooled: 0, dropped: 0, drainMs: 0 });
    into.accepted += delta('accepted');
    into.published += delta('published');
    into.spooled += delta('spooled');
    into.dropped += delta('dropped');
    into.drainMs = Math.max(into.drainMs, performance.now() - started);
    into.brokerSecondsDuringDrain = (brokerPid ? cpuSeconds(brokerPid) : NaN) - brokerBefore;
    if (report.rows !== undefined) into.rows = report.rows;
    if (report.loop) into.loop = report.loop;
  };

  loadGenerator.on('message', async (message) => {
    if (message.type === 'scenario-start') {
      await pendingDrain;
      if (message.name !== 'check' && message.name !== 'streaming') {
        helpers.progress(`publish: ${message.name}${message.target ? `: ${message.target}` : ' (all targets in turns)'}`);
        busyBefore.push(await helpers.waitForQuietMachine());
      }
      before = snapshot(byName[message.target]);
      loadGenerator.send({ type: 'proceed' });
    } else if (message.type === 'scenario-end') {
      const gateway = byName[message.target];
      const after = snapshot(gateway);
      const seconds = (after.at - before.at) / 1000;
      (otherCores[message.name] ??= {})[message.target ?? '*'] = (after.machine - before.machine - (after.ours - before.ours)) / seconds;
      if (message.target) {
        extra[message.target][`${message.name}Cpu`] = {
          gatewayCores: (after.gateway - before.gateway) / seconds,
          gatewayMicrosPerRequest: ((after.gateway - before.gateway) * 1e6) / message.requests,
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
  const finished = loadGeneratorOutcome(loadGenerator);
  loadGenerator.send({
    type: 'run',
    plan: {
      targets: ordered,
      path: CHAT_COMPLETIONS_PATH,
      settings: { ...settings, streaming: { warmup: 0, requests: 0, rounds: 1 } },
      expected: { completion: expectedCompletionContent(), stream: expectedStreamContent() },
    },
  });
  try {
    const message = await finished;
    if (message.type === 'failed') throw new Error(`load generator failed: ${message.error}`);
    await pendingDrain;
    return { load: message.result, extra, busyBefore, otherCores };
  } finally {
    await stopChild(loadGenerator);
  }
}

async function createTopics(prefix) {
  await ensureTopics(KAFKA_BROKERS, ALL_TOPICS.map((topic) => prefix + topic), { numPartitions: 3, replicationFactor: 1 });
}

/**
 * Runs the benchmark; resolves with `{ markdown, data }`.
 * @param {{ quick: boolean, repetitions?: number, logLevel: string, outputDirectory: string, machine: object, build: object }} options
 * @param {{ progress(message: string): void, waitForQuietMachine(): Promise<number>, startMock(): Promise<{ child, origin }> }} helpers
 */
async function runPublishCost(options, helpers) {
  const base = options.quick ? SETTINGS.quick : SETTINGS.full;
  const settings = { ...base, repetitions: options.repetitions ?? base.repetitions };
  const started = performance.now();
  const startedAt = new Date();
  const topicPrefix = `bench-publish-${Date.now()}-${process.pid}.`;
  const spoolRoot = path.join(options.outputDirectory, `spool-${process.pid}`);
  const profileDirectory = options.cpuProfile ? path.join(options.outputDirectory, 'profiles-publish') : undefined;
  if (profileDirectory) fs.rmSync(profileDirectory, { recursive: true, force: true });
  helpers.progress(`publish: creating topics ${topicPrefix}*`);
  await createTopics(topicPrefix);
  const mock = await helpers.startMock();
  const repetitions = [];
  try {
    for (let repetition = 0; repetition < settings.repetitions + EXTRA_REPETITIONS; repetition++) {
      if (repetition >= settings.repetitions && enoughUndisturbed(repetitions, settings.repetitions)) break;
      helpers.progress(
        `publish: repetition ${repetition + 1}${repetition < settings.repetitions ? ` of ${settings.repetitions}` : `, an extra one: other processes disturbed too many`}: starting the gateways`,
      );
      const gateways = [];
      try {
        for (const { name } of CONFIGS) {
          const spoolDirectory = path.join(spoolRoot, `${name}-${repetition}`);
          gateways.push(
            await startEventGateway(name, {
              upstreamBaseUrl: `${mock.origin}/v1`,
              outputDirectory: options.outputDirectory,
              logLevel: options.logLevel,
              topicPrefix,
              spoolDirectory,
              repetition,
              profileDirectory,
              loopDelay: options.loopDelay,
            }),
          );
        }
        // Rotate the order of the four targets, so no configuration always runs right after another.
        const order = [0, 1, 2, 3].map((index) => (index + repetition) % 4);
        repetitions.push(await runRepetition({ gateways, mock, settings, order, helpers }));
      } finally {
        for (const gateway of gateways.reverse()) await stopChild(gateway.child, 15_000);
      }
    }
  } finally {
    await stopChild(mock.child);
    fs.rmSync(spoolRoot, { recursive: true, force: true });
    try {
      const deleted = await deleteTopics(topicPrefix);
      helpers.progress(`publish: deleted topics ${deleted.join(', ')}`);
    } catch (error) {
      helpers.progress(`publish: could not delete the topics ${topicPrefix}*: ${error.message}`);
    }
  }
  const data = { settings, repetitions, startedAt, durationSeconds: (performance.now() - started) / 1000, topicPrefix };
  let markdown = buildPublishReport(data, options);
  if (profileDirectory) {
    markdown += `\n\n#### CPU profiles (all repetitions of each publisher; slowed down by the profiler)\n\n`;
    markdown += CONFIGS.map(({ name, label }) => `##### ${label}\n\n${summarizeProfiles([path.join(profileDirectory, name)], 20)}`).join('\n\n');
  }
  return { markdown, data };
}

// --- report --------------------------------------------------------------------------------------

function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function spread(values) {
  const finite = values.filter((value) => Number.isFinite(value));
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

const ms = (value) => (Number.isFinite(value) ? value.toFixed(2) : '–');
const signedMs = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : '–');
const percent = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(1)} %` : '–');
const integer = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');

function withSpread(values, format) {
  const { median: middle, min, max } = spread(values);
  if (!Number.isFinite(middle)) return '–';
  return values.length > 1 ? `${format(middle)} [${format(min)} … ${format(max)}]` : format(middle);
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** Per repetition, the latency summary of a target at a load level. */
/**
 * The repetitions in which all of `targets` ran undisturbed at this load
 * level, or all of them (marked) when there is none.
 */
function chosen(data, scenario, targets) {
  const clean = data.repetitions.filter((repetition) => undisturbed(repetition, scenario, targets));
  return clean.length > 0 ? { repetitions: clean, disturbed: false } : { repetitions: data.repetitions, disturbed: true };
}

function latencies(data, target, scenario) {
  return chosen(data, scenario, [target]).repetitions.map((repetition) => repetition.load[target][scenario].latency);
}

function p99Change(data, config, scenario) {
  return chosen(data, scenario, ['discard', config]).repetitions.map((repetition) => {
    const baseline = repetition.load.discard[scenario].latency.p99;
    return ((repetition.load[config][scenario].latency.p99 - baseline) / baseline) * 100;
  });
}

function buildPublishReport(data, options) {
  const { settings } = data;
  const count = data.repetitions.length;
  const lines = [];
  lines.push('### Publishing cost on the gateway\'s latency');
  lines.push('');
  lines.push(
    `Run ${data.startedAt.toISOString()}, ${Math.round(data.durationSeconds)} s, on ${options.machine.processors} cores ` +
      `(${options.machine.cpuModel}, ${(options.machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${options.machine.node}, ${options.machine.platform}; build: commit ${options.build.commit ?? '?'} with ${options.build.uncommittedFiles ?? '?'} uncommitted files under packages/, services/, proto/` +
      `${options.build.staleWorkspaces?.length ? `, **dist older than src in ${options.build.staleWorkspaces.join(', ')}**` : ''}). ` +
      `Command: \`node bench/run.js publish${options.quick ? ' --quick' : ''}${options.repetitions ? ` --repetitions ${options.repetitions}` : ''}` +
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
  const verdicts = [];
  const headRows = LEVELS.map(({ scenario, label }) => {
    const row = [label, withSpread(latencies(data, 'discard', scenario).map((each) => each.p99), ms)];
    for (const config of ['kafka', 'bus']) {
      const change = p99Change(data, config, scenario);
      const { disturbed } = chosen(data, scenario, ['discard', config]);
      row.push(
        withSpread(latencies(data, config, scenario).map((each) => each.p99), ms),
        `${withSpread(change, percent)} (${change.length}${disturbed ? ', all disturbed' : ''})`,
      );
      verdicts.push({ config, label, change: median(change) });
    }
    return row;
  });
  lines.push('**p99 latency as the client sees it (ms), and its change against (a)** — target: publishing moves the p99 by no more than ' + `${TARGET_PERCENT} %.`);
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
  const addedRows = [];
  for (const { scenario, label } of LEVELS) {
    for (const { name, label: configLabel } of CONFIGS) {
      const { repetitions: used } = chosen(data, scenario, ['direct', name]);
      const added = (key) => used.map((repetition) => repetition.load[name][scenario].latency[key] - repetition.load.direct[scenario].latency[key]);
      const row = [`${label}: ${configLabel}`, withSpread(added('p50'), signedMs), withSpread(added('p99'), signedMs)];
      row.push(
        scenario === 'throughput'
          ? withSpread(chosen(data, scenario, [name]).repetitions.map((repetition) => repetition.load[name].throughput.requestsPerSecond), integer)
          : '',
      );
      row.push(`${used.length}`);
      addedRows.push(row);
    }
  }
  const direct = (scenario, key) => withSpread(latencies(data, 'direct', scenario).map((each) => each[key]), ms);
  lines.push('**What each gateway adds over calling the mock directly (ms, gateway percentile minus direct percentile, same repetition), and req/s**');
  lines.push('');
  lines.push(table(['load: publisher', 'p50 added', 'p99 added', 'req/s', 'repetitions'], addedRows));
  lines.push('');
  lines.push(
    `Direct to the mock: sequential p50 ${direct('sequential', 'p50')} / p99 ${direct('sequential', 'p99')} ms; ` +
      `500 req/s p50 ${direct('fixedRate', 'p50')} / p99 ${direct('fixedRate', 'p99')} ms; ` +
      `max throughput ${withSpread(data.repetitions.map((repetition) => repetition.load.direct.throughput.requestsPerSecond), integer)} req/s.`,
  );
  lines.push('');

  // CPU at max throughput.
  const cpuRows = CONFIGS.map(({ name, label }) => {
    const cpu = (key) => chosen(data, 'throughput', [name]).repetitions.map((repetition) => repetition.extra[name].throughputCpu?.[key]);
    const twoDecimals = (value) => value.toFixed(2);
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
  lines.push('**CPU at max throughput** (cores over the run, warm-up included, from `/proc`; the gateway figure includes its worker threads, PGlite\'s among them)');
  lines.push('');
  lines.push(table(['publisher', 'gateway cores', 'gateway µs CPU / request', 'Kafka broker cores', 'mock cores', 'load generator cores', 'whole machine cores'], cpuRows));
  lines.push('');

  // Delivery.
  const deliveryRows = CONFIGS.filter(({ name }) => name !== 'discard').map(({ name, label }) => {
    let accepted = 0;
    let published = 0;
    let spooled = 0;
    let dropped = 0;
    const drainAfterThroughput = [];
    const drainAfterFixedRate = [];
    for (const repetition of data.repetitions) {
      for (const [scenario, figures] of Object.entries(repetition.extra[name])) {
        if (!('accepted' in figures)) continue;
        accepted += figures.accepted;
        published += figures.published;
        spooled += figures.spooled;
        dropped += figures.dropped;
        if (scenario === 'throughput') drainAfterThroughput.push(figures.drainMs);
        if (scenario === 'fixedRate') drainAfterFixedRate.push(figures.drainMs);
      }
    }
    return [label, integer(accepted), integer(published), integer(spooled), integer(dropped), withSpread(drainAfterFixedRate, integer), withSpread(drainAfterThroughput, integer)];
  });
  lines.push(
    '**Delivery**: events published by the gateway over all repetitions, and what became of them (delivered = acknowledged by Kafka, or written to PGlite); ' +
      'the drain is how long the publisher still needed, after the load generator\'s last reply, to deliver its backlog (ms).',
  );
  lines.push('');
  lines.push(table(['publisher', 'events', 'delivered', 'spooled', 'dropped', 'drain after 500 req/s', 'drain after max throughput'], deliveryRows));
  lines.push('');

  const disturbanceRows = LEVELS.map(({ scenario, label }) => {
    const figures = data.repetitions.flatMap((repetition) => Object.values(repetition.otherCores[scenario] ?? {}));
    const disturbedRuns = figures.filter((value) => value > DISTURBED_CORES).length;
    return [label, `${disturbedRuns} of ${figures.length}`, withSpread(figures, (value) => value.toFixed(2))];
  });
  lines.push(`**Other processes** during the measured runs (cores; above ${DISTURBED_CORES} the run counts as disturbed), over all ${data.repetitions.length} repetitions:`);
  lines.push('');
  lines.push(table(['load', 'runs disturbed', 'other processes, cores'], disturbanceRows));
  lines.push('');

  if (options.loopDelay) {
    const loopRows = LEVELS.flatMap(({ scenario, label }) =>
      CONFIGS.map(({ name, label: configLabel }) => {
        const loop = (key) => chosen(data, scenario, [name]).repetitions.map((repetition) => repetition.extra[name][scenario]?.loop?.[key]);
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

  const errors = CONFIGS.concat([{ name: 'direct' }]).flatMap(({ name }) =>
    data.repetitions.flatMap((repetition) => LEVELS.map(({ scenario }) => repetition.load[name][scenario].errors).filter((tally) => tally.count > 0).map((tally) => `${name}: ${tally.count} (${tally.samples.join('; ')})`)),
  );
  const checks = data.repetitions.flatMap((repetition) => Object.entries(repetition.load).filter(([, result]) => !result.check.ok).map(([name, result]) => `${name}: ${result.check.problems.join('; ')}`));
  lines.push(errors.length + checks.length === 0 ? 'Errors: none; every request answered 200 with the recorded content.' : `Errors: ${[...errors, ...checks].join(' — ')}`);
  const busiest = Math.max(...data.repetitions.flatMap((repetition) => repetition.busyBefore));
  lines.push('');
  lines.push(`Before each scenario the machine was quiet: at most ${busiest.toFixed(2)} cores busy in the half second before (other processes included).`);
  return lines.join('\n');
}

module.exports = { runPublishCost, buildPublishReport, startEventGateway, createTopics, kafkaBrokerPid };
