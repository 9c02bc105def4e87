import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TOPICS } from '@switchyard/events';
import { openEventDatabase, sinkGroupId, type EventDatabase } from '@switchyard/observability';
import { createLogger } from '@switchyard/shared';
import { INFLUX_DATABASE, INFLUX_URL, KAFKA_BROKERS, POSTGRES_URL, requireInflux, requireKafka, requirePostgres } from '../support/infrastructure';
import {
  committedOffsets,
  connectEventProducer,
  createTopics,
  eventId,
  fluxRows,
  requestCompleted,
  uniqueName,
  waitUntil,
} from '../../services/observability/src/consumers/__fixtures__/observability-test-support';

jest.setTimeout(300_000);

/** The built `switchyard` command; its `observability` service is the consumer under test. */
const CLI = path.resolve(__dirname, '../../packages/cli/dist/cli.js');
const logger = createLogger('observability-consumer-test', 'silent');

let database: EventDatabase;

beforeAll(async () => {
  await Promise.all([requireKafka(), requirePostgres(), requireInflux()]);
  database = await openEventDatabase({ postgresUrl: POSTGRES_URL, logger });
}, 300_000);

afterAll(async () => {
  await database?.close();
});

interface ConsumerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnConsumer(configFile: string, env: Record<string, string>): ConsumerProcess {
  const child = spawn(process.execPath, [CLI, 'observability', '--config', configFile], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

describe('the observability service as a separate process', () => {
  it('killed mid-batch and restarted: no event lost, none duplicated', async () => {
    const topicPrefix = `${uniqueName('consumer-kill')}.`;
    const groupId = uniqueName('consumer-kill-group');
    const workspace = uniqueName('kill');
    const topics = [topicPrefix + TOPICS.requestCompleted, topicPrefix + TOPICS.costRecorded];
    await createTopics(KAFKA_BROKERS, topics, 3);

    // A backlog large enough that a consumer is killed with most of it still to write.
    const total = 20_000;
    const occurredAtMs = Date.now() - 3_600_000;
    const events = Array.from({ length: total }, (_, index) => requestCompleted(workspace, index, occurredAtMs + index));
    const producer = await connectEventProducer(KAFKA_BROKERS);
    try {
      for (let start = 0; start < total; start += 2_000) await producer.produce(events.slice(start, start + 2_000), topicPrefix);
    } finally {
      await producer.disconnect();
    }

    const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-consumer-kill-')), 'switchyard.yaml');
    writeFileSync(
      configFile,
      [
        'services:',
        '  observability: "127.0.0.1:0"',
        'events:',
        `  kafka: { brokers: ["placeholder:9092"], topicPrefix: "${topicPrefix}" }`,
        'observability:',
        `  consumerGroup: "${groupId}"`,
        '  metricsPort: 0',
        '  batchMaxEvents: 100',
        // The broker's minimum: a killed member's partitions are handed on 6 s after its last heartbeat.
        '  sessionTimeoutMs: 6000',
        '',
      ].join('\n'),
    );
    const env = {
      SWITCHYARD_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      SWITCHYARD_POSTGRES_URL: POSTGRES_URL,
      SWITCHYARD_INFLUX_URL: INFLUX_URL,
      SWITCHYARD_INFLUX_DATABASE: INFLUX_DATABASE,
    };
    const rows = async () => {
      const [row] = await database.client.query<{ count: string }>('SELECT count(*) AS count FROM requests WHERE workspace = $1', [workspace]);
      return Number(row.count);
    };
    const committedBy = async (sink: string) =>
      Object.values(await committedOffsets(KAFKA_BROKERS, sinkGroupId(groupId, sink), topics)).reduce((sum, offset) => sum + offset, 0);
    const committed = () => committedBy('postgres');

    // Kill a consumer with SIGKILL as soon as it has written more rows, until one was killed
    // between writing rows and committing their offsets (rows ahead of the committed offsets)
    // at least twice: the next consumer must then get those events again.
    const kills: { rows: number; committed: number }[] = [];
    let previousRows = 0;
    while (kills.filter((kill) => kill.rows > kill.committed).length < 2 && kills.length < 8) {
      const consumer = spawnConsumer(configFile, env);
      try {
        await waitUntil(
          async () => (await rows()) > previousRows,
          60_000,
          () => `more rows than ${previousRows}\n${consumer.output.join('')}`,
        );
        consumer.child.kill('SIGKILL');
        expect((await consumer.exited).signal).toBe('SIGKILL');
      } finally {
        consumer.child.kill('SIGKILL');
      }
      const kill = { rows: await rows(), committed: await committed() };
      kills.push(kill);
      previousRows = kill.rows;
      if (kill.rows >= total) break;
    }
    expect(kills.some((kill) => kill.rows > kill.committed && kill.rows < total)).toBe(true);
    for (const kill of kills) expect(kill.committed).toBeLessThanOrEqual(kill.rows);

    const last = spawnConsumer(configFile, env);
    try {
      // Each store consumes in a group of its own: both must have committed everything.
      await waitUntil(
        async () => (await committed()) === total && (await committedBy('influxdb')) === total,
        120_000,
        async () => `committed ${await committed()} (postgres) and ${await committedBy('influxdb')} (influxdb) of ${total}`,
      );
      last.child.kill('SIGTERM');
      expect(await last.exited).toEqual({ code: 0, signal: null });
    } finally {
      last.child.kill('SIGKILL');
    }

    const ids = await database.client.query<{ event_id: string }>('SELECT event_id FROM requests WHERE workspace = $1 ORDER BY event_id', [
      workspace,
    ]);
    expect(ids).toHaveLength(total);
    expect(ids.map((row) => row.event_id)).toEqual(events.map(eventId).sort());
    const points = await fluxRows(INFLUX_URL, countQuery(`${INFLUX_DATABASE}/autogen`, workspace));
    expect(points).toEqual([expect.objectContaining({ _value: total })]);
    process.stdout.write(`consumer-process kill test: kills at (rows, committed) ${JSON.stringify(kills)}\n`);
  });
});

/** Points of `requests` for the workspace, counted on one field. */
function countQuery(bucket: string, workspace: string): string {
  return `from(bucket: "${bucket}")
  |> range(start: -30d, stop: 30d)
  |> filter(fn: (r) => r._measurement == "requests" and r.workspace == "${workspace}" and r._field == "latency_ms")
  |> group()
  |> count()`;
}
