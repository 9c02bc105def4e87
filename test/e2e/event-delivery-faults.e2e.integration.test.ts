import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@switchyard/events';
import { sinkGroupId } from '@switchyard/observability';
import { committedOffsets } from '../../services/observability/src/consumers/__fixtures__/observability-test-support';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { POSTGRES_URL, startDedicatedKafka, type DedicatedKafka } from '../support/infrastructure';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

/**
 * The gateway never waits on Kafka: with the broker down, requests still
 * succeed, their events wait in the spool, and when the broker returns every
 * one of them is recorded, once.
 */
describe('request events across a Kafka outage (distributed mode)', () => {
  const workspace = `outage-${randomBytes(4).toString('hex')}`;
  let kafka: DedicatedKafka;
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let database: Client;

  beforeAll(async () => {
    kafka = await startDedicatedKafka();
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      'distributed',
      { providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano'], prices: { '*': { input: 1, output: 2 } } } } },
      { kafkaBrokers: kafka.brokers, workspace },
    );
    database = new Client({ connectionString: POSTGRES_URL });
    await database.connect();
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    await database?.end();
    await kafka?.destroy();
  }, 60_000);

  async function rows(): Promise<{ rows: number; ids: number }> {
    const result = await database.query('SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS ids FROM requests WHERE workspace = $1', [
      workspace,
    ]);
    return result.rows[0];
  }

  async function waitForRows(expected: number, timeoutMs: number): Promise<{ rows: number; ids: number }> {
    return waitFor(rows, (found) => found.rows >= expected, { timeoutMs, what: `${expected} rows`, intervalMs: 250 });
  }

  function chat(id: string): Promise<number> {
    return fetch(`${switchyard.baseURL}/chat/completions`, {
      method: 'POST',
      headers: switchyard.headers({ 'content-type': 'application/json', 'x-request-id': id, 'x-switchyard-workspace': workspace }),
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }),
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  }

  /** A series of the gateway's own metrics, summed over its labels (0 before it exists). */
  async function gatewayMetric(name: string): Promise<number> {
    const text = await (await fetch(switchyard.baseURL.replace(/\/v1$/, '/metrics'))).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  }

  /** Messages on the run's topics, and how many of them the observability consumer has committed. */
  async function consumerPosition(): Promise<{ written: number; committed: number }> {
    const prefix = switchyard.config.events.kafka!.topicPrefix;
    const topics = [prefix + TOPICS.requestCompleted, prefix + TOPICS.costRecorded];
    const admin = new Kafka({ clientId: 'e2e-offsets', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    let written = 0;
    try {
      for (const topic of topics) for (const { high } of await admin.fetchTopicOffsets(topic)) written += Number(high);
    } finally {
      await admin.disconnect();
    }
    const committed = Object.values(
      await committedOffsets(kafka.brokers, sinkGroupId(switchyard.config.observability.consumerGroup, 'postgres'), topics),
    ).reduce((sum, offset) => sum + offset, 0);
    return { written, committed };
  }

  it('answers 1,000 requests while Kafka is down, then records all of them exactly once when it is back', async () => {
    expect(await chat(`${workspace}-before`)).toBe(200);
    expect(await waitForRows(1, 30_000)).toStrictEqual({ rows: 1, ids: 1 });

    await kafka.stop();
    const statuses: number[] = [];
    for (let batch = 0; batch < 1_000; batch += 50) {
      statuses.push(...(await Promise.all(Array.from({ length: 50 }, (_, index) => chat(`${workspace}-${batch + index}`)))));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(1_000);
    // One event per request waits in the spool, once the publisher has given up on the stopped broker
    // (its send timeout) and written them there.
    await waitFor(
      () => gatewayMetric('switchyard_events_spooled_total'),
      (spooled) => spooled >= 1_000,
      { timeoutMs: 60_000, what: '1,000 events in the spool' },
    );
    expect((await rows()).rows).toBe(1);

    await kafka.start();
    expect(await waitForRows(1_001, 120_000)).toStrictEqual({ rows: 1_001, ids: 1_001 });
    // Nothing arrives twice later on: once the spool is replayed and the consumer has committed every
    // message on the topics, nothing is left that could add a row.
    const spool = async () => ({
      spooled: await gatewayMetric('switchyard_events_spooled_total'),
      replayed: await gatewayMetric('switchyard_events_replayed_total'),
    });
    await waitFor(spool, ({ spooled, replayed }) => replayed >= spooled, { timeoutMs: 60_000, what: 'the spool to be replayed' });
    await waitFor(consumerPosition, ({ written, committed }) => written > 0 && committed === written, {
      timeoutMs: 60_000,
      what: 'the consumer to commit every message',
    });
    expect(await rows()).toStrictEqual({ rows: 1_001, ids: 1_001 });
  }, 240_000);
});
