/**
 * Scenario `consume`: how many events a second the observability consumers
 * move from Kafka into Postgres (and InfluxDB).
 *
 * 1. Produces N RequestCompleted events (default 100,000; realistic field
 *    values, one workspace of the run's own, encoded with `encodeEvent`) to
 *    a topic of the run's own on the real broker (`bench-consume-<time>-<pid>.`
 *    before the usual name, 3 partitions), as the gateway's publisher sends
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

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TOPICS, encodeEvent, ensureTopics } from '@switchyard/events';
import { startObservabilityConsumers } from '@switchyard/observability';
import { eventsV1 } from '@switchyard/proto';
import { CompressionTypes, Kafka, Partitioners, logLevel } from 'kafkajs';
import { Client } from 'pg';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { messageOf } from '../harness/child-processes';
import { KAFKA_BROKERS, deleteTopics } from '../harness/kafka-topics';
import { describeRun } from '../harness/machine-info';
import { cores, integer, median, table } from '../harness/markdown';
import { REPOSITORY_ROOT } from '../harness/paths';
import { cpuSeconds, cpuSecondsOfTree, machineCpuSeconds, ownCpuSeconds } from '../harness/proc-readings';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const POSTGRES_URL = process.env.SWITCHYARD_POSTGRES_URL ?? 'postgres://switchyard:switchyard@127.0.0.1:55432/switchyard';
const INFLUX_URL = process.env.SWITCHYARD_INFLUX_URL ?? 'http://127.0.0.1:58086';
const INFLUX_DATABASE = process.env.SWITCHYARD_INFLUX_DATABASE ?? 'switchyard';

const PRODUCE_BATCH = 500;
const POLL_MS = 100;
const RUN_TIMEOUT_MS = 300_000;
const TARGET_EVENTS_PER_SECOND = 10_000;
/** A run during which processes other than the consumer, Postgres, the broker and influxd used more cores than this is disturbed. */
const DISTURBED_CORES = 0.25;

const SETTINGS = {
  full: { events: 100_000, repetitions: 2, maxTries: 3 },
  quick: { events: 10_000, repetitions: 1, maxTries: 1 },
};

interface Configuration {
  concurrency: number;
  maxEventsPerWrite: number;
  influx: boolean;
}

/** Each configuration is run `repetitions` times, the configurations taking turns. */
const CONFIGURATIONS: Configuration[] = [
  { concurrency: 1, maxEventsPerWrite: 500, influx: false },
  { concurrency: 3, maxEventsPerWrite: 500, influx: false },
  { concurrency: 1, maxEventsPerWrite: 2_000, influx: false },
  { concurrency: 3, maxEventsPerWrite: 2_000, influx: false },
  { concurrency: 1, maxEventsPerWrite: 500, influx: true },
  { concurrency: 3, maxEventsPerWrite: 2_000, influx: true },
];

interface CpuSnapshot {
  at: number;
  consumer: number;
  postgres: number;
  kafka: number;
  influx: number;
  machine: number;
}

type Cores = Record<Exclude<keyof CpuSnapshot, 'at'> | 'other', number>;

interface RunResult {
  configuration: Configuration;
  busyBefore: number;
  firstRowSeconds: number;
  totalSeconds: number;
  eventsPerSecond: number;
  committedEventsPerSecond: number;
  steadyEventsPerSecond: number;
  cores: Cores;
  influxPoints?: number;
  disturbed?: boolean;
}

interface ConsumeData {
  count: number;
  repetitions: number;
  maxTries: number;
  produced: { seconds: number; meanEventBytes: number };
  results: RunResult[];
  startedAt: Date;
  durationSeconds: number;
}

function describeConfiguration(configuration: Configuration): string {
  return `${configuration.concurrency} partition${configuration.concurrency > 1 ? 's' : ''} at a time, ${configuration.maxEventsPerWrite} events per write, ${configuration.influx ? 'Postgres + InfluxDB' : 'Postgres'}`;
}

/** A RequestCompleted as the gateway reports it, with realistic field sizes. */
function requestCompleted(run: string, workspace: string, index: number, occurredAtMs: number) {
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

/** Produces `count` events to `<prefix>` topics as the gateway's publisher does; resolves with its time and the mean event size. */
async function produce({
  prefix,
  run,
  workspace,
  count,
}: {
  prefix: string;
  run: string;
  workspace: string;
  count: number;
}): Promise<ConsumeData['produced']> {
  const kafka = new Kafka({ clientId: 'switchyard-bench-producer', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const started = performance.now();
  // The requests happened over the last `count` milliseconds: one a millisecond.
  const firstMs = Date.now() - count;
  let bytes = 0;
  try {
    for (let start = 0; start < count; start += PRODUCE_BATCH) {
      const messages: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
      for (let index = start; index < Math.min(count, start + PRODUCE_BATCH); index++) {
        const encoded = encodeEvent({ kind: 'request-completed', event: requestCompleted(run, workspace, index, firstMs + index) });
        bytes += encoded.value.length;
        messages.push({
          key: encoded.key,
          value: Buffer.from(encoded.value.buffer, encoded.value.byteOffset, encoded.value.byteLength),
          headers: encoded.headers,
        });
      }
      await producer.sendBatch({
        topicMessages: [{ topic: prefix + TOPICS.requestCompleted, messages }],
        acks: -1,
        compression: CompressionTypes.GZIP,
      });
    }
  } finally {
    await producer.disconnect();
  }
  return { seconds: (performance.now() - started) / 1000, meanEventBytes: bytes / count };
}

// --- CPU of the servers, from /proc --------------------------------------------------------------

/** The pid in a file of scripts/services.sh (`.services/<server>/server.pid`), if any. */
function serverPid(server: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(REPOSITORY_ROOT, '.services', server, 'server.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

interface ServerPids {
  postgres?: number;
  kafka?: number;
  influx?: number;
}

/** The shared servers' processes (tests start brokers and databases of their own: those count as other processes). */
function serverPids(): ServerPids {
  return { postgres: serverPid('postgres'), kafka: serverPid('kafka'), influx: serverPid('influxdb') };
}

function cpuSnapshot(pids: ServerPids): CpuSnapshot {
  return {
    at: performance.now(),
    consumer: ownCpuSeconds(),
    postgres: cpuSecondsOfTree(pids.postgres),
    kafka: cpuSeconds(pids.kafka),
    influx: cpuSeconds(pids.influx),
    machine: machineCpuSeconds().busy,
  };
}

/** Cores used between two snapshots by each part, and by every other process on the machine (`other`). */
function coresBetween(first: CpuSnapshot, last: CpuSnapshot): Cores {
  const seconds = (last.at - first.at) / 1000;
  const of = (key: Exclude<keyof CpuSnapshot, 'at'>): number => (last[key] - first[key]) / seconds;
  const known = (value: number): number => (Number.isFinite(value) ? value : 0);
  const used = { consumer: of('consumer'), postgres: of('postgres'), kafka: of('kafka'), influx: of('influx'), machine: of('machine') };
  return { ...used, other: used.machine - used.consumer - known(used.postgres) - known(used.kafka) - known(used.influx) };
}

// --- InfluxDB ------------------------------------------------------------------------------------

interface InfluxResult {
  series?: { values?: unknown[][] }[];
  error?: string;
}

async function influxQuery(statement: string, method = 'GET'): Promise<InfluxResult> {
  const url = `${INFLUX_URL}/query?db=${encodeURIComponent(INFLUX_DATABASE)}&q=${encodeURIComponent(statement)}`;
  const response = await fetch(url, { method });
  const body = (await response.json()) as { results?: InfluxResult[] };
  if (!response.ok || body.results?.[0]?.error) throw new Error(`InfluxDB: ${statement}: ${JSON.stringify(body)}`);
  return body.results?.[0] ?? {};
}

async function influxPointCount(workspace: string): Promise<number> {
  const result = await influxQuery(`SELECT count(latency_ms) FROM requests WHERE workspace = '${workspace}'`);
  return Number(result.series?.[0]?.values?.[0]?.[1] ?? 0);
}

// --- one measured run ----------------------------------------------------------------------------

async function consumedCount(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === 'switchyard_observability_events_consumed_total');
  return metric ? (metric.values as { value: number }[]).reduce((sum, sample) => sum + sample.value, 0) : 0;
}

interface RunPlan {
  configuration: Configuration;
  prefix: string;
  workspace: string;
  count: number;
  schema: string;
  logger: Logger;
  context: ScenarioContext;
}

async function measureRun({ configuration, prefix, workspace, count, schema, logger, context }: RunPlan): Promise<RunResult> {
  const registry = new Registry();
  const influx = configuration.influx ? { url: INFLUX_URL, database: INFLUX_DATABASE } : undefined;
  const poller = new Client({ connectionString: POSTGRES_URL });
  await poller.connect();
  let consumers: Awaited<ReturnType<typeof startObservabilityConsumers>> | undefined;
  try {
    await poller.query(`CREATE SCHEMA "${schema}"`);
    const busyBefore = await context.quiet.wait();
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
    let firstRowAt: number | undefined;
    let firstRows = 0;
    let allRowsAt: number | undefined;
    let committedAt: number | undefined;
    let rows = 0;
    while (performance.now() - started < RUN_TIMEOUT_MS) {
      const [row] = (await poller.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM "${schema}".requests WHERE workspace = $1`, [workspace]))
        .rows;
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
    if (firstRowAt === undefined || allRowsAt === undefined || committedAt === undefined) {
      throw new Error(
        `${describeConfiguration(configuration)}: ${rows} of ${count} rows in Postgres, ${await consumedCount(registry)} committed after ${RUN_TIMEOUT_MS / 1000} s`,
      );
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

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const { options } = context;
  const settings = options.quick ? SETTINGS.quick : SETTINGS.full;
  const count = options.events ?? settings.events;
  const repetitions = options.repetitions ?? settings.repetitions;
  const { maxTries } = settings;
  const startedAt = new Date();
  const started = performance.now();
  const run = `bench-consume-${Date.now()}-${process.pid}`;
  const prefix = `${run}.`;
  const workspace = run;
  const logFile = path.join(context.outputDirectory, `consume-${process.pid}.log`);
  const logger = pino({ level: 'info', base: { service: 'bench-consumer' } }, pino.destination({ dest: logFile, sync: false }));
  const results: RunResult[] = [];
  let produced: ConsumeData['produced'] | undefined;
  try {
    context.progress(`creating topics ${prefix}* (3 partitions)`);
    await ensureTopics(KAFKA_BROKERS, [prefix + TOPICS.requestCompleted], { numPartitions: 3, replicationFactor: 1 });
    context.progress(`producing ${count.toLocaleString('en-US')} RequestCompleted events`);
    produced = await produce({ prefix, run, workspace, count });
    let index = 0;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      for (const configuration of CONFIGURATIONS) {
        // A run that other processes disturbed is run again, up to maxTries times in all.
        for (let attempt = 1; attempt <= maxTries; attempt++) {
          const schema = `bench_consume_${process.pid}_${index++}`;
          context.progress(
            `${describeConfiguration(configuration)} (repetition ${repetition + 1} of ${repetitions}${attempt > 1 ? `, try ${attempt}` : ''})`,
          );
          const result = await measureRun({ configuration, prefix, workspace, count, schema, logger, context });
          result.disturbed = result.cores.other > DISTURBED_CORES;
          context.progress(
            `${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s` +
              `${result.disturbed ? ` (disturbed: other processes used ${result.cores.other.toFixed(2)} cores)` : ''}`,
          );
          results.push(result);
          if (!result.disturbed) break;
        }
      }
    }
  } finally {
    try {
      context.progress(`deleted topics ${(await deleteTopics(prefix)).join(', ')}`);
    } catch (error) {
      context.progress(`could not delete the topics ${prefix}*: ${messageOf(error)}`);
    }
    await influxQuery(`DROP SERIES FROM requests WHERE workspace = '${workspace}'`, 'POST').catch((error: unknown) =>
      context.progress(`could not drop the InfluxDB series of ${workspace}: ${messageOf(error)}`),
    );
    logger.flush();
  }
  if (!produced) throw new Error('no event was produced');
  const data: ConsumeData = { count, repetitions, maxTries, produced, results, startedAt, durationSeconds: (performance.now() - started) / 1000 };
  return { markdown: buildConsumeReport(data, context) };
}

export const consumeThroughput: Scenario = {
  name: 'consume',
  summary: 'events/s from Kafka into Postgres (and InfluxDB) through the observability consumers',
  // A budget per run of each configuration.
  quietBudgetSeconds: (options) => (options.quick ? 10 : 60 * 3 * (options.repetitions ?? SETTINGS.full.repetitions)),
  run,
};

// --- report --------------------------------------------------------------------------------------

function each(values: number[], format: (value: number) => string): string {
  return values.length > 1 ? `${format(median(values))} (${values.map(format).join(', ')})` : format(values[0]);
}

function buildConsumeReport(data: ConsumeData, context: ScenarioContext): string {
  const { options, machine } = context;
  const lines: string[] = [];
  lines.push('### Consumer throughput into Postgres');
  lines.push('');
  lines.push(
    `Run ${data.startedAt.toISOString()}, ${Math.round(data.durationSeconds)} s, on ${describeRun(machine, context.build)}. Command: \`npm run bench -- consume${options.quick ? ' --quick' : ''}` +
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
      `CPU in cores over the run (the machine has ${machine.processors}). Target: ≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s into Postgres.`,
  );
  lines.push('');
  const rows = CONFIGURATIONS.map((configuration) => {
    const all = data.results.filter((result) => result.configuration === configuration);
    const clean = all.filter((result) => !result.disturbed);
    const runs = clean.length > 0 ? clean : all;
    const figure = (key: 'eventsPerSecond' | 'steadyEventsPerSecond' | 'firstRowSeconds' | 'committedEventsPerSecond'): number[] =>
      runs.map((result) => result[key]);
    const core = (key: keyof Cores): number => median(runs.map((result) => result.cores[key]));
    const eventsPerSecond = median(figure('eventsPerSecond'));
    return [
      `${configuration.concurrency}`,
      `${configuration.maxEventsPerWrite}`,
      configuration.influx ? 'Postgres + InfluxDB' : 'Postgres',
      `**${integer(eventsPerSecond)}**${runs.length > 1 ? ` (${runs.map((result) => integer(result.eventsPerSecond)).join(', ')})` : ''}` +
        `${clean.length === 0 ? ' (all runs disturbed)' : ''}`,
      each(figure('steadyEventsPerSecond'), integer),
      each(figure('firstRowSeconds'), (value: number) => value.toFixed(1)),
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
  lines.push(table(header, rows, { leftColumns: 3 }));
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
      `during it (other engineers' builds and tests share the machine); such a run was made again, up to ${data.maxTries} tries, and only undisturbed runs are in the figures ` +
      '(all of them, marked, when none was). ' +
      `Other processes, over every run: ${data.results.map((result) => result.cores.other.toFixed(2)).join(', ')} cores.`,
  );
  const busiest = Math.max(...data.results.map((result) => result.busyBefore));
  lines.push('');
  lines.push(`Before each run the machine was quiet: at most ${busiest.toFixed(2)} cores busy in the half second before.`);
  return lines.join('\n');
}
