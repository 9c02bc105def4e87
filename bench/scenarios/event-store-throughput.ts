/**
 * Scenario `event-store`: how many events a second the Postgres event store
 * of the observability service writes, in batches of 500 and 1,000, into the
 * real Postgres and into PGlite. No Kafka.
 *
 * Runs the built code (services/observability/dist). One writer writes batch
 * after batch, each one transaction, as a consumer does. Two mixes of events:
 *   - request+cost: each request's RequestCompleted and a CostRecorded that
 *     re-prices it (an insert, then an update, in one transaction);
 *   - requests only: RequestCompleted alone, as the gateway publishes them
 *     (one row per request).
 * Every batch holds new events; nothing is redelivered.
 *
 * Postgres: SWITCHYARD_POSTGRES_URL (default the one of scripts/services.sh),
 * in a schema of the run's own, dropped at the end. PGlite: in memory.
 */

import { performance } from 'node:perf_hooks';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { EventSink, SwitchyardEvent } from '@switchyard/events';
import { type EventDatabase, openEventDatabase } from '@switchyard/observability';
import { eventsV1 } from '@switchyard/proto';
import { describeRun } from '../harness/machine-info';
import { integer, milliseconds, table } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const POSTGRES_URL = process.env.SWITCHYARD_POSTGRES_URL ?? 'postgres://switchyard:switchyard@127.0.0.1:55432/switchyard';
const BATCH_SIZES = [500, 1000];
const MIXES = ['request+cost', 'requests only'] as const;
const TARGETS = ['postgres', 'pglite'] as const;

type Mix = (typeof MIXES)[number];
type Target = (typeof TARGETS)[number];

const SETTINGS = {
  full: { measured: 50_000, warmup: 5_000 },
  quick: { measured: 5_000, warmup: 1_000 },
};

interface EventCounts {
  /** Events written per measurement, after the warm-up. */
  measured: number;
  /** Events written first and not measured. */
  warmup: number;
}

interface Measured {
  eventsPerSecond: number;
  medianBatchMs: number;
  p95BatchMs: number;
}

let sequence = 0;

/** A request as the gateway reports it: both events, with realistic field sizes. */
function requestEvents(): SwitchyardEvent[] {
  const index = sequence++;
  const requestId = `bench-req-${process.pid}-${index}`;
  const occurredAt = timestampFromMs(Date.now());
  const tokens = { input: 1200 + (index % 500), output: 300 + (index % 200), cachedInput: 1024, cacheWrite: 0, reasoning: 64 };
  const completed = create(eventsV1.RequestCompletedSchema, {
    eventId: `bench-evt-${process.pid}-${index}`,
    occurredAt,
    requestId,
    workspace: `workspace-${index % 20}`,
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
    status: index % 50 === 0 ? eventsV1.RequestStatus.FAILED : eventsV1.RequestStatus.SUCCEEDED,
    httpStatus: index % 50 === 0 ? 429 : 200,
    errorClass: index % 50 === 0 ? 'rate_limit_error' : '',
    latencyMs: 250 + (index % 1000),
    timeToFirstTokenMs: 80 + (index % 100),
    streamed: index % 2 === 0,
    tokens,
    costUsd: 0.000_39,
    cacheStatus: eventsV1.CacheStatus.MISS,
    metadata: { team: 'search', environment: 'production' },
    finishReason: 'stop',
  });
  const cost = create(eventsV1.CostRecordedSchema, {
    eventId: `bench-cost-${process.pid}-${index}`,
    occurredAt,
    requestId,
    workspace: completed.workspace,
    keyId: completed.keyId,
    user: completed.user,
    provider: 'openai',
    model: completed.servedModel,
    tokens,
    inputCostUsd: 0.00018,
    outputCostUsd: 0.00021,
    totalCostUsd: 0.00039,
    priceSource: 'config',
  });
  return [
    { kind: 'request-completed', event: completed },
    { kind: 'cost-recorded', event: cost },
  ];
}

function makeBatch(size: number, mix: Mix): SwitchyardEvent[] {
  const batch: SwitchyardEvent[] = [];
  while (batch.length < size) {
    const [completed, cost] = requestEvents();
    batch.push(completed);
    if (mix === 'request+cost' && batch.length < size) batch.push(cost);
  }
  return batch;
}

async function measure(store: EventSink, batchSize: number, mix: Mix, events: EventCounts): Promise<Measured> {
  for (let written = 0; written < events.warmup; written += batchSize) await store.writeBatch(makeBatch(batchSize, mix));
  const batches = Array.from({ length: Math.ceil(events.measured / batchSize) }, () => makeBatch(batchSize, mix));
  const durations: number[] = [];
  const started = performance.now();
  for (const batch of batches) {
    const batchStarted = performance.now();
    await store.writeBatch(batch);
    durations.push(performance.now() - batchStarted);
  }
  const seconds = (performance.now() - started) / 1000;
  durations.sort((a, b) => a - b);
  return {
    eventsPerSecond: (batches.length * batchSize) / seconds,
    medianBatchMs: durations[Math.floor(durations.length / 2)],
    p95BatchMs: durations[Math.min(durations.length - 1, Math.floor(durations.length * 0.95))],
  };
}

async function openTarget(target: Target): Promise<{ database: EventDatabase; cleanUp: () => Promise<unknown> }> {
  if (target === 'pglite') return { database: await openEventDatabase({}), cleanUp: async () => undefined };
  const schema = `bench_event_store_${process.pid}`;
  const database = await openEventDatabase({ postgresUrl: POSTGRES_URL, schema });
  return { database, cleanUp: () => database.client.exec(`DROP SCHEMA "${schema}" CASCADE`) };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const { options } = context;
  const events: EventCounts = { ...(options.quick ? SETTINGS.quick : SETTINGS.full) };
  if (options.events !== undefined) events.measured = options.events;
  const started = performance.now();
  const startedAt = new Date();
  const rows: ({ target: Target; mix: Mix; batchSize: number } & Measured)[] = [];
  for (const target of TARGETS) {
    context.progress(`opening ${target}`);
    const { database, cleanUp } = await openTarget(target);
    try {
      for (const mix of MIXES) {
        for (const batchSize of BATCH_SIZES) {
          context.progress(`${target}, ${mix}, batches of ${batchSize}`);
          await context.quiet.wait();
          rows.push({ target, mix, batchSize, ...(await measure(database.store, batchSize, mix, events)) });
        }
      }
    } finally {
      await cleanUp();
      await database.close();
    }
  }
  const lines = [
    '### Event store throughput',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- event-store${options.quick ? ' --quick' : ''}${options.events ? ` --events ${options.events}` : ''}\`.`,
    '',
    `Events written per second by one writer, one transaction per batch, ${integer(events.measured)} events per row after ${integer(events.warmup)} of warm-up; ` +
      'Postgres of `scripts/services.sh` (a fresh schema) and PGlite in memory, in this process.',
    '',
    table(
      ['database', 'events', 'batch', 'events/s', 'median ms/batch', 'p95 ms/batch'],
      rows.map((row) => [
        row.target,
        row.mix,
        String(row.batchSize),
        integer(row.eventsPerSecond),
        milliseconds(row.medianBatchMs, 1),
        milliseconds(row.p95BatchMs, 1),
      ]),
      { leftColumns: 2 },
    ),
  ];
  return { markdown: lines.join('\n') };
}

export const eventStoreThroughput: Scenario = {
  name: 'event-store',
  summary: 'events/s the event store writes into Postgres and PGlite, batch by batch (no Kafka)',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 60),
  run,
};
