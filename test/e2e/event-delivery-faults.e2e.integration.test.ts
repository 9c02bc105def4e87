import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { POSTGRES_URL, startDedicatedKafka, type DedicatedKafka } from '../support/infrastructure';
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
      { kafkaBrokers: kafka.brokers },
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
    const result = await database.query('SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS ids FROM requests WHERE workspace = $1', [workspace]);
    return result.rows[0];
  }

  async function waitForRows(expected: number, timeoutMs: number): Promise<{ rows: number; ids: number }> {
    const deadline = Date.now() + timeoutMs;
    let found = await rows();
    while (found.rows < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      found = await rows();
    }
    return found;
  }

  function chat(id: string): Promise<number> {
    return fetch(`${switchyard.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-switchyard-workspace': workspace },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }),
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  }

  async function spooledEvents(): Promise<number> {
    const text = await (await fetch(switchyard.baseURL.replace(/\/v1$/, '/metrics'))).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith('switchyard_events_spooled_total'));
    return line ? Number(line.split(' ').at(-1)) : 0;
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
    // Each request also published a cost event: both kinds wait in the spool.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(await spooledEvents()).toBeGreaterThanOrEqual(1_000);
    expect((await rows()).rows).toBe(1);

    await kafka.start();
    expect(await waitForRows(1_001, 120_000)).toStrictEqual({ rows: 1_001, ids: 1_001 });
    const costs = await database.query('SELECT count(*)::int AS rows FROM costs WHERE workspace = $1', [workspace]);
    expect(costs.rows[0].rows).toBe(1_001);
    // Nothing arrives twice later on.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await rows()).toStrictEqual({ rows: 1_001, ids: 1_001 });
  }, 240_000);
});
