import { randomBytes } from 'node:crypto';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startDedicatedInflux, type DedicatedInflux } from '../support/infrastructure';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Each store records on its own: while InfluxDB is down, the records in
 * Postgres (PGlite in one process) keep arriving and `/v1/requests` stays
 * current; when InfluxDB returns it catches up, and neither store holds a
 * request twice.
 */
describe.each<Mode>(['embedded', 'distributed'])('request records across an InfluxDB outage (%s)', (mode) => {
  const workspace = `influx-outage-${randomBytes(4).toString('hex')}`;
  let influx: DedicatedInflux;
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;

  beforeAll(async () => {
    influx = await startDedicatedInflux();
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      mode,
      { providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano'], prices: { '*': { input: 1, output: 2 } } } } },
      { influx: { url: influx.url, database: influx.database }, workspace },
    );
  }, 180_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    await influx?.destroy();
  }, 60_000);

  async function send(run: string, count: number): Promise<void> {
    const statuses = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        fetch(`${switchyard.baseURL}/chat/completions`, {
          method: 'POST',
          headers: switchyard.headers({ 'content-type': 'application/json', 'x-request-id': `${workspace}-${run}-${index}` }),
          body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }),
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        }),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(count);
  }

  /** The request ids `/v1/requests` lists for the workspace. */
  async function recordedIds(): Promise<string[]> {
    const response = await fetch(`${switchyard.baseURL}/requests?limit=1000`, { headers: switchyard.headers() });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { data: Array<{ id: string }> };
    return page.data.map((record) => record.id);
  }

  /** Points of the workspace in InfluxDB, and their distinct request ids. */
  async function influxCounts(): Promise<{ points: number; ids: number }> {
    const query = (text: string) =>
      fetch(`${influx.url}/query?db=${influx.database}&q=${encodeURIComponent(text)}`).then(async (response) => {
        const body = (await response.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }> }> };
        return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
      });
    const where = `WHERE workspace = '${workspace}'`;
    return {
      points: await query(`SELECT count(latency_ms) FROM requests ${where}`),
      ids: await query(`SELECT count(distinct(request_id)) FROM requests ${where}`),
    };
  }

  it('keeps recording while InfluxDB is down; InfluxDB catches up after; nothing lost, nothing twice', async () => {
    await send('before', 10);
    await waitFor(recordedIds, (ids) => ids.length === 10, { timeoutMs: 60_000, what: '10 records', intervalMs: 200 });
    await waitFor(influxCounts, ({ points }) => points === 10, { timeoutMs: 60_000, what: '10 points', intervalMs: 200 });

    await influx.stop();
    await send('during', 40);
    // Postgres is not held up by the store that is down.
    const during = await waitFor(recordedIds, (ids) => ids.length === 50, { timeoutMs: 60_000, what: '50 records', intervalMs: 200 });
    expect(new Set(during).size).toBe(50);

    await influx.start();
    const caughtUp = await waitFor(influxCounts, ({ points }) => points >= 50, { timeoutMs: 120_000, what: '50 points', intervalMs: 500 });
    expect(caughtUp).toStrictEqual({ points: 50, ids: 50 });
    const ids = await recordedIds();
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  }, 300_000);
});
