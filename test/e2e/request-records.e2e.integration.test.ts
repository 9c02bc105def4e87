import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { Client } from 'pg';
import { InfluxDB } from '@influxdata/influxdb-client';
import { startMockOpenAIUpstream, openAIFixture, DEFAULT_FIXTURES, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { INFLUX_DATABASE, INFLUX_URL, POSTGRES_URL, requireInflux } from '../support/infrastructure';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Requests through the gateway are recorded: one row each, with the tokens
 * the upstream reported and the configured prices applied, readable through
 * the query API, and (distributed) in Postgres and InfluxDB.
 */

const PRICES = {
  'gpt-4.1-nano*': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gpt-4o*': { input: 2.5, output: 10 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
};

/** What the recordings say the upstream reported. */
const recordedChat = JSON.parse(readFileSync(openAIFixture(DEFAULT_FIXTURES.chat), 'utf8'));
const recordedStreamUsage = (() => {
  const text = readFileSync(openAIFixture(DEFAULT_FIXTURES.stream), 'utf8');
  const chunks = text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)));
  return { model: chunks[0].model as string, usage: chunks.find((chunk) => chunk.usage).usage };
})();

function cost(price: { input: number; output: number }, input: number, output: number): number {
  return (input * price.input + output * price.output) / 1e6;
}

interface ApiRecord {
  id: string;
  workspace: string;
  status: string;
  http_status: number;
  provider: string | null;
  served_model: string | null;
  requested_model: string;
  streamed: boolean;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  usage: { input_tokens: number; output_tokens: number; cached_input_tokens: number };
  cost_usd: number;
  error: { class: string } | null;
  metadata: Record<string, string>;
  session_id: string | null;
  trace_id: string;
  user: string | null;
  operation: string;
  attempts: number;
}

async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json() };
}

/** Every record of the workspace, walking the pages `limit` at a time. */
async function allRecords(root: string, workspace: string, limit: number, headers: Record<string, string>): Promise<ApiRecord[]> {
  const records: ApiRecord[] = [];
  let cursor: string | null = null;
  do {
    const query: string = new URLSearchParams({ workspace, limit: String(limit), ...(cursor && { cursor }) }).toString();
    const { status, body } = await getJson(`${root}/v1/requests?${query}`, headers);
    expect(status).toBe(200);
    expect(body.data.length).toBeLessThanOrEqual(limit);
    records.push(...body.data);
    cursor = body.next_cursor;
    expect(body.has_more).toBe(cursor !== null);
  } while (cursor);
  return records;
}

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each<Mode>(['embedded', 'distributed'])('request records (%s mode)', (mode) => {
  const workspace = `records-${mode}-${randomBytes(4).toString('hex')}`;
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let root: string;
  let client: OpenAI;
  const sent: {
    id: string;
    kind: 'chat' | 'stream' | 'embedding' | 'rate-limited' | 'unknown-model';
    usage?: { input: number; output: number };
    model?: string;
  }[] = [];

  beforeAll(async () => {
    await requireInflux();
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      mode,
      {
        providers: {
          openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano', 'gpt-4o', 'text-embedding-3-small'], prices: PRICES },
        },
      },
      { influx: true, workspace },
    );
    root = switchyard.baseURL.replace(/\/v1$/, '');
    client = new OpenAI({
      baseURL: switchyard.baseURL,
      apiKey: switchyard.apiKey,
      maxRetries: 0,
      defaultHeaders: {
        'x-switchyard-workspace': workspace,
        'x-switchyard-session-id': 'session-7',
        'x-switchyard-metadata': '{"feature":"records"}',
      },
    });

    const headers = (id: string) => ({ headers: { 'x-request-id': id } });
    for (let index = 0; index < 8; index++) {
      const id = `${workspace}-chat-${index}`;
      upstream.enqueue({ kind: 'json-fixture', file: DEFAULT_FIXTURES.chat });
      const completion = await client.chat.completions.create(
        { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], user: 'alice' },
        headers(id),
      );
      sent.push({
        id,
        kind: 'chat',
        usage: { input: completion.usage!.prompt_tokens, output: completion.usage!.completion_tokens },
        model: completion.model,
      });
    }
    for (let index = 0; index < 5; index++) {
      const id = `${workspace}-stream-${index}`;
      upstream.enqueue({ kind: 'stream-fixture', file: DEFAULT_FIXTURES.stream });
      // The client does not ask for usage: the gateway records it all the same.
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true },
        headers(id),
      );
      for await (const _chunk of stream) void _chunk;
      sent.push({
        id,
        kind: 'stream',
        usage: { input: recordedStreamUsage.usage.prompt_tokens, output: recordedStreamUsage.usage.completion_tokens },
        model: recordedStreamUsage.model,
      });
    }
    for (let index = 0; index < 4; index++) {
      const id = `${workspace}-embedding-${index}`;
      const embedding = await client.embeddings.create(
        { model: 'text-embedding-3-small', input: `text number ${index} ${'word '.repeat(index)}` },
        headers(id),
      );
      sent.push({ id, kind: 'embedding', usage: { input: embedding.usage.prompt_tokens, output: 0 }, model: embedding.model });
    }
    for (let index = 0; index < 2; index++) {
      const id = `${workspace}-limited-${index}`;
      upstream.enqueue({
        kind: 'error',
        status: 429,
        body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded', param: null } },
      });
      await expect(
        client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }, headers(id)),
      ).rejects.toMatchObject({ status: 429 });
      sent.push({ id, kind: 'rate-limited' });
    }
    const unknown = `${workspace}-unknown-0`;
    await expect(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }, headers(unknown)),
    ).rejects.toMatchObject({ status: 404 });
    sent.push({ id: unknown, kind: 'unknown-model' });
  }, 60_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  it('records every request once, with the upstream token counts and the configured prices applied', async () => {
    expect(sent).toHaveLength(20);
    const records = await waitFor(
      () => allRecords(root, workspace, 7, switchyard.headers()),
      (found) => found.length >= sent.length,
      30_000,
    );
    expect(records.map((record) => record.id).sort()).toStrictEqual(sent.map((request) => request.id).sort());

    // Cross-check against the recordings themselves, not only what the SDK saw.
    const chat = sent.find((request) => request.kind === 'chat')!;
    expect(chat.usage).toStrictEqual({ input: recordedChat.usage.prompt_tokens, output: recordedChat.usage.completion_tokens });
    expect(chat.model).toBe(recordedChat.model);

    const byId = new Map(records.map((record) => [record.id, record]));
    for (const request of sent) {
      const record = byId.get(request.id)!;
      expect(record).toMatchObject({ workspace, session_id: 'session-7', metadata: { feature: 'records' } });
      expect(record.trace_id).toMatch(/^[\da-f]{32}$/);
      expect(record.latency_ms).toBeGreaterThan(0);
      if (request.usage) {
        const price =
          request.kind === 'embedding' ? PRICES['text-embedding-3-small'] : request.kind === 'chat' ? PRICES['gpt-4.1-nano*'] : PRICES['gpt-4o*'];
        expect(record).toMatchObject({
          status: 'succeeded',
          http_status: 200,
          provider: 'openai',
          served_model: request.model,
          usage: { input_tokens: request.usage.input, output_tokens: request.usage.output, cached_input_tokens: 0 },
          error: null,
        });
        expect(record.cost_usd).toBeCloseTo(cost(price, request.usage.input, request.usage.output), 12);
        expect(record.cost_usd).toBeGreaterThan(0);
      }
      if (request.kind === 'chat')
        expect(record).toMatchObject({ user: 'alice', operation: 'chat.completion', streamed: false, time_to_first_token_ms: null });
      if (request.kind === 'embedding') expect(record).toMatchObject({ operation: 'embeddings' });
      if (request.kind === 'stream') {
        expect(record.streamed).toBe(true);
        expect(record.time_to_first_token_ms).toBeGreaterThan(0);
        expect(record.time_to_first_token_ms).toBeLessThanOrEqual(record.latency_ms);
      }
      if (request.kind === 'rate-limited') {
        expect(record).toMatchObject({
          status: 'failed',
          http_status: 429,
          provider: 'openai',
          error: { class: 'rate_limited' },
          cost_usd: 0,
          attempts: 1,
        });
      }
      if (request.kind === 'unknown-model') {
        expect(record).toMatchObject({
          status: 'failed',
          http_status: 404,
          provider: null,
          requested_model: 'no-such-model',
          error: { class: 'not_found' },
        });
      }
    }
  });

  it('shows one request by id, and answers 404 for an unknown id', async () => {
    const id = sent[0].id;
    const { status, body } = await getJson(`${root}/v1/requests/${id}`, switchyard.headers());
    expect(status).toBe(200);
    expect(body).toMatchObject({ id, object: 'request', workspace, requested_model: 'gpt-4.1-nano' });
    const missing = await getJson(`${root}/v1/requests/${workspace}-nothing`, switchyard.headers());
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_not_found' });
  });

  it('sums usage by model: requests, errors, tokens and cost', async () => {
    const { status, body } = await getJson(`${root}/v1/usage?group_by=model&workspace=${workspace}`, switchyard.headers());
    expect(status).toBe(200);
    const rows: any[] = body.data;
    expect(rows.reduce((total, row) => total + row.requests, 0)).toBe(20);
    expect(rows.reduce((total, row) => total + row.errors, 0)).toBe(3);
    for (const model of new Set(sent.filter((request) => request.usage).map((request) => request.model!))) {
      const requests = sent.filter((request) => request.model === model);
      const row = rows.find((candidate) => candidate.group === model);
      const input = requests.reduce((total, request) => total + request.usage!.input, 0);
      const output = requests.reduce((total, request) => total + request.usage!.output, 0);
      expect(row).toMatchObject({ requests: requests.length, errors: 0, error_rate: 0, input_tokens: input, output_tokens: output });
      const price = model.startsWith('gpt-4.1-nano')
        ? PRICES['gpt-4.1-nano*']
        : model.startsWith('gpt-4o')
          ? PRICES['gpt-4o*']
          : PRICES['text-embedding-3-small'];
      expect(row.cost_usd).toBeCloseTo(cost(price, input, output), 12);
      expect(row.latency_p50_ms).toBeGreaterThan(0);
      expect(row.latency_p95_ms).toBeGreaterThanOrEqual(row.latency_p50_ms);
    }
    const byStatus = await getJson(`${root}/v1/requests?workspace=${workspace}&status=failed`, switchyard.headers());
    expect(byStatus.body.data.map((record: ApiRecord) => record.id).sort()).toStrictEqual(
      sent
        .filter((request) => !request.usage)
        .map((request) => request.id)
        .sort(),
    );
  });

  it('writes a point per request to InfluxDB with the same token counts', async () => {
    const query = `from(bucket: "${INFLUX_DATABASE}/autogen")
      |> range(start: -1h, stop: 1h)
      |> filter(fn: (r) => r._measurement == "requests" and r.workspace == "${workspace}" and r._field == "input_tokens")
      |> group()`;
    const api = new InfluxDB({ url: INFLUX_URL, token: '' }).getQueryApi('');
    const rows = await waitFor(
      () => api.collectRows<{ _value: number }>(query),
      (found) => found.length >= 20,
      15_000,
    );
    expect(rows).toHaveLength(20);
    const expected = sent.reduce((total, request) => total + (request.usage?.input ?? 0), 0);
    expect(rows.reduce((total, row) => total + row._value, 0)).toBe(expected);
  });

  it('answers bad query parameters with a 400 naming the parameter', async () => {
    for (const [path, param] of [
      ['/v1/usage?group_by=colour', 'group_by'],
      ['/v1/requests?limit=0', 'limit'],
      ['/v1/requests?limit=abc', 'limit'],
      ['/v1/requests?cursor=not-a-cursor', 'cursor'],
      ['/v1/requests?status=lost', 'status'],
      ['/v1/requests?from=yesterday', 'from'],
      ['/v1/requests?from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z', 'from'],
    ] as const) {
      const { status, body } = await getJson(`${root}${path}`, switchyard.headers());
      expect({ path, status, param: body.error?.param, type: body.error?.type }).toStrictEqual({
        path,
        status: 400,
        param,
        type: 'invalid_request_error',
      });
    }
  });

  if (mode === 'distributed') {
    it('counts what the observability service consumed and wrote in its Prometheus metrics', async () => {
      const text = await (await fetch(switchyard.observabilityMetricsUrl!)).text();
      // Summed over labels (the counters are per topic).
      const value = (name: string) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
          .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
      // One event per request, consumed by the Postgres group (and by InfluxDB's, when configured).
      expect(value('switchyard_observability_events_consumed_total')).toBeGreaterThanOrEqual(sent.length);
      expect(value('switchyard_observability_batches_written_total')).toBeGreaterThan(0);
      expect(text).toContain('switchyard_process_resident_memory_bytes');
    });

    it('holds exactly one row per request in Postgres, priced when the response reported usage', async () => {
      const database = new Client({ connectionString: POSTGRES_URL });
      await database.connect();
      try {
        const requests = await database.query(
          'SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS ids FROM requests WHERE workspace = $1',
          [workspace],
        );
        expect(requests.rows[0]).toStrictEqual({ rows: 20, ids: 20 });
        const costs = await database.query("SELECT count(*)::int AS rows FROM requests WHERE workspace = $1 AND price_source <> ''", [workspace]);
        const priced = sent.filter((request) => request.usage);
        expect(costs.rows[0].rows).toBe(priced.length);
      } finally {
        await database.end();
      }
    });
  }
});
