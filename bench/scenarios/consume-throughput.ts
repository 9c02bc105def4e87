'use strict';

/**
 * `node bench/run.js consume`: how many events a second the observability
 * consumers move from Kafka into Postgres (and InfluxDB).
 *
 * 1. Produces N RequestCompleted events (default 100,000; realistic field
 *    values, one workspace of the run's own, encoded with `encodeEvent`) to
 *    topics of the run's own on the real broker (`bench-consume-<time>-<pid>.`
 *    before the usual names, 3 partitions), as the gateway's publisher sends
 *    them: batches of 500, GZIP, acks from all replicas.
 * 2. For each configuration (partitions consumed concurrently, events per
 *    write, sinks), starts `startObservabilityConsumers` with a fresh
 *    consumer group (`fromBeginning`) and a fresh Postgres schema, and times
 *    until every event is in Postgres (`count(*)` of the run's workspace,
 *    polled every 100 ms) and committed by the consumer (its
 *    events-consumed counter, which counts an event once every sink has it).
 *    With InfluxDB as the second sink, the points are counted at the end.
 * 3. Drops the schemas, the topics and the InfluxDB series it made.
 *
 * The consumer runs in this process; CPU is sampled from /proc for it, the
 * Postgres processes, the Kafka broker and influxd.
 */

const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const pino = require('pino');
const { Registry } = require('prom-client');
const { Client } = require('pg');
const { Kafka, CompressionTypes, Partitioners, logLevel } = require('kafkajs');
const { create } = require('@bufbuild/protobuf');
const { timestampFromMs } = require('@bufbuild/protobuf/wkt');
const { eventsV1 } = require('@switchyard/proto');
const { encodeEvent, ensureTopics, TOPICS } = require('@switchyard/events');
const { startObservabilityConsumers } = require('@switchyard/observability');
const { REPOSITORY_ROOT } = require('./fixtures');
const { KAFKA_BROKERS, deleteTopics } = require('./kafka-topics');
const { clockTicksPerSecond, cpuSeconds, machineCpuSeconds } = require('./child-processes');

const POSTGRES_URL = process.env.SWITCHYARD_POSTGRES_URL ?? 'postgres://switchyard:switchyard@127.0.0.1:55432/switchyard';
const INFLUX_URL = process.env.SWITCHYARD_INFLUX_URL ?? 'http://127.0.0.1:58086';
const INFLUX_DATABASE = process.env.SWITCHYARD_INFLUX_DATABASE ?? 'switchyard';

const PRODUCE_BATCH = 500;
const POLL_MS = 100;
const RUN_TIMEOUT_MS = 300_000;
const TARGET_EVENTS_PER_SECOND = 10_000;
/** A run during which processes other than the consumer, Postgres, the broker and influxd used more cores than this is disturbed. */
const DISTURBED_CORES = 0.25;
const MAX_TRIES = 3;

/** Each configuration is run `repetitions` times, the configurations taking turns. */
const CONFIGURATIONS = [
  { concurrency: 1, maxEventsPerWrite: 500, influx: false },
  { concurrency: 3, maxEventsPerWrite: 500, influx: false },
  { concurrency: 1, maxEventsPerWrite: 2_000, influx: false },
  { concurrency: 3, maxEventsPerWrite: 2_000, influx: false },
  { concurrency: 1, maxEventsPerWrite: 500, influx: true },
  { concurrency: 3, maxEventsPerWrite: 2_000, influx: true },
];

function describe(configuration) {
  return `${configuration.concurrency} partition${configuration.concurrency > 1 ? 's' : ''} at a time, ${configuration.maxEventsPerWrite} events per write, ${configuration.influx ? 'Postgres + InfluxDB' : 'Postgres'}`;
}

/** A RequestCompleted as the gateway reports it, with realistic field sizes. */
function requestCompleted(run, workspace, index, occurredAtMs) {
  const failed = index % 50 === 0;
  return create(eventsV1.RequestCompletedSchema, {
    eventId: `${run}-evt-${index}`,
    occurredAt: timestampFromMs(occurredAtMs),
    requestId: `${run}-req-${index}`,
    workspace,
    keyId: `key-${index % 100}`,
    user: `user-${index % 1000}`,
    sessionId: `session-${index % 5000}`,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    operation: eventsV1.Operation.CHAT_COMPLETION,
    requestedModel: 'fast',
    servedModel: 'gpt-4o-mini-2024-07-18',
    provider: 'openai',
    deployment: 'openai/gpt-4o-mini',
    routePath: 'targets[0]',
    attempts: 1,
    status: failed ? eventsV1.RequestStatus.FAILED : eventsV1.RequestStatus.SUCCEEDED,
    httpStatus: failed ? 429 : 200,
    errorClass: failed ? 'rate_limit_error' : '',
    errorMessage: failed ? 'Rate limit reached for gpt-4o-mini in organization org-xyz on tokens per min (TPM).' : '',
    latencyMs: 250 + (index % 1000),
    timeToFirstTokenMs: 80 + (index % 100),
    streamed: index % 2 === 0,
    tokens: { input: 1200 + (index % 500), output: 300 + (index % 200), cachedInput: 1024, cacheWrite: 0, reasoning: 64 },
    costUsd: 0.00039,
    cacheStatus: eventsV1.CacheStatus.DISABLED,
    metadata: { team: 'search', environment: 'production' },
    finishReason: failed ? '' : 'stop',
  });
}

/** Produces `count` events to `<prefix>` topics as the gateway's publisher does; resolves with events/s. */
async function produce({ prefix, run, workspace, count }) {
  const kafka = new Kafka({ clientId: 'switchyard-bench-producer', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = performance.now();
  // The requests happened over the last `count` milliseconds: one a millisecond.
  const firstMs = Date.now() - count;
  let bytes = 0;
  try {
    for (let start = 0; start < count; start += PRODUCE_BATCH) {
      const messages = [];
      for (let index = start; index < Math.min(count, start + PRODUCE_BATCH); index++) {
        const encoded = encodeEvent({ kind: 'request-completed', event: requestCompleted(run, workspace, index, firstMs + index) });
        bytes += encoded.value.length;
        messages.push({ key: encoded.key, value: Buffer.from(encoded.value.buffer, encoded.value.byteOffset, encoded.value.byteLength), headers: encoded.headers });
      }
      await producer.sendBatch({ topicMessages: [{ topic: prefix + TOPICS.requestCompleted, messages }], acks: -1, compression: CompressionTypes.GZIP });
    }
  } finally {
    await producer.disconnect();
  }
  return { seconds: (performance.now() - started) / 1000, meanEventBytes: bytes / count };
}

// --- CPU of other processes, from /proc ----------------------------------------------------------

/**
 * CPU seconds of the process `pid` and its children, those it has reaped
 * included (Postgres: the postmaster and its backends).
 */
function cpuSecondsOfTree(pid) {
  if (!pid) return NaN;
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // After the command: state, ppid, ..., utime (12th), stime, cutime, cstime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) !== pid && Number(fields[1]) !== pid) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / clockTicksPerSecond();
}

/** The pid in a file of scripts/services.sh (`.services/<server>/server.pid`), if any. */
function serverPid(server) {
  try {
    return Number(fs.readFileSync(path.join(REPOSITORY_ROOT, '.services', server, 'server.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** The shared servers' processes (tests start brokers and databases of their own: those count as other processes). */
function serverPids() {
  return { postgres: serverPid('postgres'), kafka: serverPid('kafka'), influx: serverPid('influxdb') };
}

function cpuSnapshot(pids) {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    consumer: (own.user + own.system) / 1e6,
    postgres: cpuSecondsOfTree(pids.postgres),
    kafka: pids.kafka ? cpuSeconds(pids.kafka) : NaN,
    influx: pids.influx ? cpuSeconds(pids.influx) : NaN,
    machine: machineCpuSeconds().busy,
  };
}

/** Cores used between two snapshots by each part, and by every other process on the machine (`other`). */
function coresBetween(first, last) {
  const seconds = (last.at - first.at) / 1000;
  const cores = Object.fromEntries(['consumer', 'postgres', 'kafka', 'influx', 'machine'].map((key) => [key, (last[key] - first[key]) / seconds]));
  const known = (value) => (Number.isFinite(value) ? value : 0);
  cores.other = cores.machine - cores.consumer - known(cores.postgres) - known(cores.kafka) - known(cores.influx);
  return cores;
}

// --- InfluxDB ------------------------------------------------------------------------------------

async function influxQuery(statement, method = 'GET') {
  const url = `${INFLUX_URL}/query?db=${encodeURIComponent(INFLUX_DATABASE)}&q=${encodeURIComponent(statement)}`;
  const response = await fetch(url, { method });
  const body = await response.json();
  if (!response.ok || body.results?.[0]?.error) throw new Error(`InfluxDB: ${statement}: ${JSON.stringify(body)}`);
  return body.results[0];
}

async function influxPointCount(workspace) {
  const result = await influxQuery(`SELECT count(latency_ms) FROM requests WHERE workspace = '${workspace}'`);
  return Number(result.series?.[0]?.values?.[0]?.[1] ?? 0);
}

// --- one measured run ----------------------------------------------------------------------------

async function consumedCount(registry) {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === 'switchyard_observability_events_consumed_total');
  return metric ? metric.values.reduce((sum, sample) => sum + sample.value, 0) : 0;
}

async function measureRun({ configuration, prefix, workspace, count, schema, logger, helpers }) {
  const registry = new Registry();
  const influx = configuration.influx ? { url: INFLUX_URL, database: INFLUX_DATABASE } : undefined;
  const poller = new Client({ connectionString: POSTGRES_URL });
  await poller.connect();
  let consumers;
  try {
    await poller.query(`CREATE SCHEMA "${schema}"`);
    const busyBefore = await helpers.waitForQuietMachine();
    const pids = serverPids();
    const first = cpuSnapshot(pids);
    const started = performance.now();
    consumers = await startObservabilityConsumers({
      brokers: KAFKA_BROKERS,
      postgresUrl: POSTGRES_URL,
      postgresSchema: schema,
      influx,
      logger,
      groupId: `${prefix}group-${schema}`,
      topics: [TOPICS.requestCompleted],
      topicPrefix: prefix,
      fromBeginning: true,
      metricsRegistry: registry,
      consumer: { partitionsConsumedConcurrently: configuration.concurrency, maxEventsPerWrite: configuration.maxEventsPerWrite },
    });
    let firstRowAt;
    let firstRows;
    let allRowsAt;
    let committedAt;
    let rows = 0;
    while (performance.now() - started < RUN_TIMEOUT_MS) {
      const [row] = (await poller.query(`SELECT count(*)::int AS rows FROM "${schema}".requests WHERE workspace = $1`, [workspace])).rows;
      rows = row.rows;
      const now = performance.now();
      if (rows > 0 && firstRowAt === undefined) {
        firstRowAt = now;
        firstRows = rows;
      }
      if (rows >= count && allRowsAt === undefined) allRowsAt = now;
      if (committedAt === undefined && (await consumedCount(registry)) >= count) committedAt = now;
      if (allRowsAt !== undefined && committedAt !== undefined) break;
      await sleep(POLL_MS);
    }
    const last = cpuSnapshot(pids);
    if (allRowsAt === undefined || committedAt === undefined) {
      throw new Error(`${describe(configuration)}: ${rows} of ${count} rows in Postgres, ${await consumedCount(registry)} committed after ${RUN_TIMEOUT_MS / 1000} s`);
    }
    const done = Math.max(allRowsAt, committedAt);
    return {
      configuration,
      busyBefore,
      firstRowSeconds: (firstRowAt - started) / 1000,
      totalSeconds: (done - started) / 1000,
      eventsPerSecond: count / ((allRowsAt - started) / 1000),
      committedEventsPerSecond: count / ((committedAt - started) / 1000),
      steadyEventsPerSecond: (count - firstRows) / ((allRowsAt - firstRowAt) / 1000),
      cores: coresBetween(first, last),
      influxPoints: configuration.influx ? await influxPointCount(workspace) : undefined,
    };
  } finally {
    if (consumers) await consumers.stop();
    await poller.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await poller.end();
  }
}

/**
 * Runs the benchmark; resolves with `{ markdown, data }`.
 * @param {{ quick: boolean, events?: number, repetitions?: number, outputDirectory: string, machine: object, build: object }} options
 * @param {{ progress(message: string): void, waitForQuietMachine(): Promise<number> }} helpers
 */
async function runConsumeThroughput(options, helpers) {
  const count = options.events ?? (options.quick ? 20_000 : 100_000);
  const repetitions = options.repetitions ?? (options.quick ? 1 : 2);
  const startedAt = new Date();
  const started = performance.now();
  const run = `bench-consume-${Date.now()}-${process.pid}`;
  const prefix = `${run}.`;
  const workspace = run;
  const logFile = `${options.outputDirectory}/consume-${process.pid}.log`;
  const logger = pino({ level: 'info', base: { service: 'bench-consumer' } }, pino.destination({ dest: logFile, sync: false }));
  const results = [];
  let produced;
  try {
    helpers.progress(`consume: creating topics ${prefix}* (3 partitions)`);
    await ensureTopics(KAFKA_BROKERS, [prefix + TOPICS.requestCompleted], { numPartitions: 3, replicationFactor: 1 });
    helpers.progress(`consume: producing ${count.toLocaleString('en-US')} RequestCompleted events`);
    produced = await produce({ prefix, run, workspace, count });
    let index = 0;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      for (const configuration of CONFIGURATIONS) {
        // A run that other processes disturbed is run again, up to MAX_TRIES times in all.
        for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
          const schema = `bench_consume_${process.pid}_${index++}`;
          helpers.progress(`consume: ${describe(configuration)} (repetition ${repetition + 1} of ${repetitions}${attempt > 1 ? `, try ${attempt}` : ''})`);
          const result = await measureRun({ configuration, prefix, workspace, count, schema, logger, helpers });
          result.disturbed = result.cores.other > DISTURBED_CORES;
          helpers.progress(
            `consume: ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s` +
              `${result.disturbed ? ` (disturbed: other processes used ${result.cores.other.toFixed(2)} cores)` : ''}`,
          );
          results.push(result);
          if (!result.disturbed) break;
        }
      }
    }
  } finally {
    try {
      helpers.progress(`consume: deleted topics ${(await deleteTopics(prefix)).join(', ')}`);
    } catch (error) {
      helpers.progress(`consume: could not delete the topics ${prefix}*: ${error.message}`);
    }
    await influxQuery(`DROP SERIES FROM requests WHERE workspace = '${workspace}'`, 'POST').catch((error) =>
      helpers.progress(`consume: could not drop the InfluxDB series of ${workspace}: ${error.message}`),
    );
    logger.flush();
  }
  const data = { count, repetitions, produced, results, startedAt, durationSeconds: (performance.now() - started) / 1000 };
  return { markdown: buildConsumeReport(data, options), data };
}

// --- report --------------------------------------------------------------------------------------

function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const integer = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const cores = (value) => (Number.isFinite(value) ? value.toFixed(2) : '–');

function each(values, format) {
  return values.length > 1 ? `${format(median(values))} (${values.map(format).join(', ')})` : format(values[0]);
}

function buildConsumeReport(data, options) {
  const lines = [];
  lines.push('### Consumer throughput into Postgres');
  lines.push('');
  lines.push(
    `Run ${data.startedAt.toISOString()}, ${Math.round(data.durationSeconds)} s, on ${options.machine.processors} cores (${options.machine.cpuModel}, Node ${options.machine.node}; ` +
      `build: commit ${options.build.commit ?? '?'} with ${options.build.uncommittedFiles ?? '?'} uncommitted files under packages/, services/, proto/). Command: \`node bench/run.js consume${options.quick ? ' --quick' : ''}` +
      `${options.events ? ` --events ${options.events}` : ''}${options.repetitions ? ` --repetitions ${options.repetitions}` : ''}\`.`,
  );
  lines.push('');
  lines.push(
    `${data.count.toLocaleString('en-US')} RequestCompleted events (${Math.round(data.produced.meanEventBytes)} bytes each encoded; 2 rows each: \`requests\` and \`usage\`) ` +
      `produced to a topic of the run's own with 3 partitions, in GZIP batches of ${PRODUCE_BATCH} as the gateway's publisher sends them ` +
      `(${integer(data.count / data.produced.seconds)} events/s produced). Then, for each configuration, \`startObservabilityConsumers\` with a fresh group ` +
      '(`fromBeginning`) and a fresh Postgres schema (empty tables), timed from the call until every row is in Postgres. ' +
      `Events/s = ${data.count.toLocaleString('en-US')} ÷ that time (the group join and the migrations of the fresh schema included); ` +
      '"steady" counts only the events after the first rows seen, from then on. Each configuration ran ' +
      `${data.repetitions} time${data.repetitions > 1 ? 's' : ''}, the configurations taking turns: median, then each run in brackets. ` +
      `CPU in cores over the run (the machine has ${options.machine.processors}). Target: ≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s into Postgres.`,
  );
  lines.push('');
  const rows = CONFIGURATIONS.map((configuration) => {
    const all = data.results.filter((result) => result.configuration === configuration);
    const clean = all.filter((result) => !result.disturbed);
    const runs = clean.length > 0 ? clean : all;
    const figure = (key) => runs.map((result) => result[key]);
    const core = (key) => median(runs.map((result) => result.cores[key]));
    const eventsPerSecond = median(figure('eventsPerSecond'));
    return [
      `${configuration.concurrency}`,
      `${configuration.maxEventsPerWrite}`,
      configuration.influx ? 'Postgres + InfluxDB' : 'Postgres',
      `**${integer(eventsPerSecond)}**${runs.length > 1 ? ` (${runs.map((result) => integer(result.eventsPerSecond)).join(', ')})` : ''}` +
        `${clean.length === 0 ? ' (all runs disturbed)' : ''}`,
      each(figure('steadyEventsPerSecond'), integer),
      each(figure('firstRowSeconds'), (value) => value.toFixed(1)),
      configuration.influx ? each(figure('committedEventsPerSecond'), integer) : '',
      cores(core('consumer')),
      cores(core('postgres')),
      cores(core('kafka')),
      configuration.influx ? cores(core('influx')) : '',
      `${all.length - clean.length} of ${all.length}`,
      eventsPerSecond >= TARGET_EVENTS_PER_SECOND ? 'met' : '**not met**',
    ];
  });
  const header = [
    'partitions at a time',
    'events per write',
    'sinks',
    'events/s into Postgres',
    'steady events/s',
    'first row after s',
    'events/s committed (both sinks)',
    'consumer cores',
    'Postgres cores',
    'Kafka broker cores',
    'influxd cores',
    'runs disturbed',
    'target ≥ 10,000/s',
  ];
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`| ${header.map((_, index) => (index < 3 ? '---' : '---:')).join(' | ')} |`);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('');
  const influxRuns = data.results.filter((result) => result.configuration.influx);
  if (influxRuns.length > 0) {
    const complete = influxRuns.every((result) => result.influxPoints === data.count);
    lines.push(
      complete
        ? `InfluxDB held one point per event after every run with it (${data.count.toLocaleString('en-US')}).`
        : `**InfluxDB points after the runs with it: ${influxRuns.map((result) => result.influxPoints).join(', ')} (expected ${data.count}).**`,
    );
    lines.push('');
  }
  lines.push(
    `A run counts as disturbed when processes other than the consumer, Postgres, the shared Kafka broker and influxd used more than ${DISTURBED_CORES} cores ` +
      `during it (other engineers' builds and tests share the machine); such a run was made again, up to ${MAX_TRIES} tries, and only undisturbed runs are in the figures ` +
      '(all of them, marked, when none was). ' +
      `Other processes, over every run: ${data.results.map((result) => result.cores.other.toFixed(2)).join(', ')} cores.`,
  );
  const busiest = Math.max(...data.results.map((result) => result.busyBefore));
  lines.push('');
  lines.push(`Before each run the machine was quiet: at most ${busiest.toFixed(2)} cores busy in the half second before.`);
  return lines.join('\n');
}

module.exports = { runConsumeThroughput, buildConsumeReport };
