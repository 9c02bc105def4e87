'use strict';

/**
 * `node bench/event-store-throughput.js`: how many events a second the
 * Postgres event store of the observability service writes, in batches of
 * 500 and 1,000, into the real Postgres and into PGlite.
 *
 * Runs the built code (services/observability/dist; build first with
 * ./scripts/ensure-built.sh). One writer writes batch after batch, each one
 * transaction, as a consumer does. Two mixes of events:
 *   - request+cost: each request's RequestCompleted and CostRecorded, as the
 *     gateway publishes them (3 rows per request: requests, usage, costs);
 *   - requests only: RequestCompleted alone (2 rows per event, the heavier kind).
 * Every batch holds new events; nothing is redelivered.
 *
 * Postgres: SWITCHYARD_POSTGRES_URL (default the one of scripts/services.sh),
 * in a schema of the run's own, dropped at the end. PGlite: in memory.
 */

const { parseArgs } = require('node:util');
const { performance } = require('node:perf_hooks');
const { create } = require('@bufbuild/protobuf');
const { timestampFromMs } = require('@bufbuild/protobuf/wkt');
const { eventsV1 } = require('@switchyard/proto');
const { openEventDatabase } = require('../services/observability/dist');

const POSTGRES_URL = process.env.SWITCHYARD_POSTGRES_URL ?? 'postgres://switchyard:switchyard@127.0.0.1:55432/switchyard';
const BATCH_SIZES = [500, 1000];
const MIXES = ['request+cost', 'requests only'];

const usage = `Usage: node bench/event-store-throughput.js [options]

  --targets LIST   postgres,pglite (default: both)
  --events N       events written per measurement, after warm-up (default: 50000)
  --warmup N       events written first and not measured (default: 5000)
`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'postgres,pglite' },
      events: { type: 'string', default: '50000' },
      warmup: { type: 'string', default: '5000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const targets = values.targets.split(',').map((target) => target.trim());
  for (const target of targets) if (target !== 'postgres' && target !== 'pglite') throw new Error(`Unknown target ${target}.\n${usage}`);
  return { targets, events: Number(values.events), warmup: Number(values.warmup) };
}

let sequence = 0;

/** A request as the gateway reports it: both events, with realistic field sizes. */
function requestEvents() {
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

function makeBatch(size, mix) {
  const batch = [];
  while (batch.length < size) {
    const [completed, cost] = requestEvents();
    batch.push(completed);
    if (mix === 'request+cost' && batch.length < size) batch.push(cost);
  }
  return batch;
}

async function measure(store, batchSize, mix, options) {
  for (let written = 0; written < options.warmup; written += batchSize) await store.writeBatch(makeBatch(batchSize, mix));
  const batches = Array.from({ length: Math.ceil(options.events / batchSize) }, () => makeBatch(batchSize, mix));
  const durations = [];
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

async function openTarget(target) {
  if (target === 'pglite') return { database: await openEventDatabase({}), cleanUp: async () => {} };
  const schema = `bench_event_store_${process.pid}`;
  const database = await openEventDatabase({ postgresUrl: POSTGRES_URL, schema });
  return { database, cleanUp: () => database.client.exec(`DROP SCHEMA "${schema}" CASCADE`) };
}

async function main() {
  const options = parseOptions();
  const rows = [];
  for (const target of options.targets) {
    process.stderr.write(`event-store-throughput: opening ${target}\n`);
    const { database, cleanUp } = await openTarget(target);
    try {
      for (const mix of MIXES) {
        for (const batchSize of BATCH_SIZES) {
          process.stderr.write(`event-store-throughput: ${target}, ${mix}, batches of ${batchSize}\n`);
          rows.push({ target, mix, batchSize, ...(await measure(database.store, batchSize, mix, options)) });
        }
      }
    } finally {
      await cleanUp();
      await database.close();
    }
  }
  const lines = [
    `Events written per second, one writer, ${options.events} events per row after ${options.warmup} of warm-up (node ${process.version}):`,
    '',
    '| database | events | batch | events/s | median ms/batch | p95 ms/batch |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.target} | ${row.mix} | ${row.batchSize} | ${Math.round(row.eventsPerSecond).toLocaleString('en-US')} | ` +
        `${row.medianBatchMs.toFixed(1)} | ${row.p95BatchMs.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`event-store-throughput: ${error.stack ?? error}\n`);
  process.exit(1);
});
