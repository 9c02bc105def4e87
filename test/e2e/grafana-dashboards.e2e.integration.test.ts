import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { Client } from 'pg';
import {
  panelQueries,
  queryVariables,
  type DashboardQuery,
  type DashboardVariable,
} from '../../services/observability/dashboards/src/dashboard-queries';
import {
  expandInfluxQlMacros,
  expandPostgresMacros,
  panelInterval,
  replaceVariables,
  type TimeRange,
  type VariableValue,
} from '../../services/observability/dashboards/src/grafana-interpolation';
import { INFLUXDB } from '../../services/observability/dashboards/src/grafana-targets';
import { INFLUX_DATABASE, INFLUX_URL, POSTGRES_URL, requireInflux } from '../support/infrastructure';
import { openAIFixture, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

jest.setTimeout(180_000);

/**
 * Every query of every dashboard file in services/observability/dashboards, run as Grafana would run it
 * (its variables and macros replaced as Grafana replaces them: see grafana-interpolation.ts) against the
 * real InfluxDB and Postgres, after real traffic through a distributed gateway whose observability
 * consumers wrote both stores: each query must answer rows holding data, and a query not run fails the
 * suite. A Grafana server cannot run here, so its part is the interpolation; the stores are real.
 */

const DASHBOARDS = path.resolve(__dirname, '..', '..', 'services', 'observability', 'dashboards');
const dashboards = readdirSync(DASHBOARDS)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8')) }));

const PRICES = {
  'gpt-4.1-nano*': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'grok-3-mini*': { input: 0.3, output: 0.5, cachedInput: 0.075 },
};
/** A recorded OpenAI-compatible answer that reports cached prompt tokens (the provider's prompt caching). */
const CACHED_PROMPT_FIXTURE = 'vercel-ai/packages/xai/src/__fixtures__/xai-text.json';

type Row = Record<string, unknown>;

/** InfluxQL over the 1.x `/query` endpoint, as Grafana's InfluxDB plugin sends it; one row per point of every series, tags included. */
async function runInfluxQl(query: string): Promise<Row[]> {
  const response = await fetch(new URL('/query', INFLUX_URL), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ db: INFLUX_DATABASE, q: query, epoch: 'ms' }),
  });
  const body = (await response.json()) as {
    error?: string;
    results?: Array<{ error?: string; series?: Array<{ tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }>;
  };
  const error = body.error ?? body.results?.find((result) => result.error)?.error;
  if (response.status !== 200 || error) throw new Error(`InfluxDB answered ${response.status}: ${error ?? JSON.stringify(body)} for ${query}`);
  return (body.results ?? []).flatMap((result) =>
    (result.series ?? []).flatMap((series) =>
      series.values.map((values) => ({ ...series.tags, ...Object.fromEntries(series.columns.map((column, index) => [column, values[index]])) })),
    ),
  );
}

/** Holds data: some value besides the time that is not null, zero or empty. */
function holdsData(rows: Row[]): boolean {
  return rows.some((row) =>
    Object.entries(row).some(
      ([column, value]) => column !== 'time' && value !== null && value !== undefined && value !== 0 && value !== '' && value !== '0',
    ),
  );
}

describe('the Grafana dashboards, every query against the real InfluxDB and Postgres', () => {
  const run = randomBytes(4).toString('hex');
  const workspaces = [`dash-a-${run}`, `dash-b-${run}`];
  const sent = new Map<string, number>(workspaces.map((workspace) => [workspace, 0]));
  const ran = new Set<string>();
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let postgres: Client;
  let range: TimeRange;

  /** A second key, in the second workspace, made through the admin API as an operator makes one. */
  async function keyFor(workspace: string): Promise<string> {
    const admin = async (route: string, body: unknown) => {
      const response = await fetch(`${switchyard.origin}/admin/v1/${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { key?: string };
      expect(response.status).toBe(201);
      return answer;
    };
    await admin('workspaces', { id: workspace, organization: 'default' });
    return (await admin('keys', { workspace, name: 'dashboards' })).key as string;
  }

  /** Chat requests, streams, a prompt-caching provider, a failure and response-cache hits in `workspace`. */
  async function traffic(client: OpenAI, workspace: string, user: string): Promise<void> {
    const count = () => sent.set(workspace, (sent.get(workspace) ?? 0) + 1);
    for (let index = 0; index < 3; index++) {
      await client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: `hello ${randomUUID()}` }], user });
      count();
    }
    for (let index = 0; index < 2; index++) {
      const stream = await client.chat.completions.create({
        model: 'gpt-4.1-nano',
        messages: [{ role: 'user', content: `stream ${randomUUID()}` }],
        stream: true,
        stream_options: { include_usage: true },
        user,
      });
      for await (const _chunk of stream);
      count();
    }
    upstream.enqueue({ kind: 'json-fixture', file: openAIFixture(CACHED_PROMPT_FIXTURE) });
    await client.chat.completions.create({
      model: 'backup/grok-3-mini',
      messages: [{ role: 'user', content: `cached prompt ${randomUUID()}` }],
      user,
    });
    count();
    upstream.enqueue({
      kind: 'error',
      status: 429,
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded', param: null } },
    });
    await expect(
      client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: `limited ${randomUUID()}` }] }),
    ).rejects.toMatchObject({
      status: 429,
    });
    count();
    // The answer is stored after the response: asked again until the cache answers it.
    const prompt = `cache me ${randomUUID()}`;
    await waitFor(
      async () => {
        const { response } = await client.chat.completions
          .create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: prompt }], user })
          .withResponse();
        count();
        return response.headers.get('x-switchyard-cache');
      },
      (status) => status === 'hit',
      { timeoutMs: 20_000, what: `a response-cache hit in ${workspace}` },
    );
  }

  beforeAll(async () => {
    await requireInflux();
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      'distributed',
      {
        providers: {
          openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano'], prices: PRICES },
          backup: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['grok-3-mini'], prices: PRICES },
        },
        cache: { mode: 'exact' },
      },
      { influx: true, workspace: workspaces[0] },
    );
    postgres = new Client({ connectionString: POSTGRES_URL });
    await postgres.connect();
    const start = Date.now();
    const keys = [switchyard.apiKey as string, await keyFor(workspaces[1])];
    for (const [index, workspace] of workspaces.entries()) {
      const client = new OpenAI({
        baseURL: switchyard.baseURL,
        apiKey: keys[index],
        maxRetries: 0,
        defaultHeaders: { 'x-switchyard-session-id': `session-${index}-${run}`, 'x-switchyard-tags': `dashboards,team-${index}` },
      });
      await traffic(client, workspace, `user-${index}-${run}`);
    }
    // Both stores, each written by its own consumer, hold every request before a query runs.
    const total = [...sent.values()].reduce((sum, count) => sum + count, 0);
    const filter = `"workspace" =~ /^(${workspaces.join('|')})$/`;
    await waitFor(
      async () => {
        const [rows, points] = await Promise.all([
          postgres.query('SELECT count(*)::int AS count FROM requests WHERE workspace = ANY($1)', [workspaces]),
          runInfluxQl(`SELECT count("latency_ms") FROM "requests" WHERE ${filter} AND time > now() - 1h`),
        ]);
        return { postgres: rows.rows[0].count as number, influx: (points[0]?.count as number | undefined) ?? 0 };
      },
      (counts) => counts.postgres === total && counts.influx === total,
      { timeoutMs: 60_000, what: `${total} requests in Postgres and InfluxDB` },
    );
    range = { from: new Date(start - 60_000), to: new Date(Date.now() + 60_000) };
  });

  afterAll(async () => {
    await postgres?.end().catch(() => undefined);
    await switchyard?.close();
    await upstream?.close();
  });

  async function execute(query: DashboardQuery, variables: VariableValue[]): Promise<Row[]> {
    const text = replaceVariables(query.text, variables);
    // Grafana's InfluxDB plugin defaults its minimum interval to 10 s.
    if (query.dataSource === INFLUXDB) return runInfluxQl(expandInfluxQlMacros(text, range, panelInterval(range, 1_000, 10_000)));
    return (await postgres.query(expandPostgresMacros(text, range, panelInterval(range, 1_000, 1_000)))).rows as Row[];
  }

  /** The variables in order, each query run with those before it set as a user would: the run's workspaces, every provider and model. */
  async function resolveVariables(variables: DashboardVariable[]): Promise<{ values: VariableValue[]; options: Record<string, string[]> }> {
    const values: VariableValue[] = [];
    const options: Record<string, string[]> = {};
    for (const variable of variables) {
      const rows = await execute(variable.query, values);
      ran.add(variable.query.id);
      // SHOW TAG VALUES answers key/value; SQL answers one column.
      options[variable.name] = rows.map((row) => String(row.value ?? Object.values(row)[0]));
      values.push({ ...variable, options: options[variable.name], selected: variable.name === 'workspace' ? workspaces : 'all' });
    }
    return { values, options };
  }

  it.each(dashboards.map(({ file, json }) => [file, json]))(
    '%s: its variables find the run’s values and every panel query answers data',
    async (_file, json) => {
      const { values, options } = await resolveVariables(queryVariables(json));
      expect(options.workspace).toEqual(expect.arrayContaining(workspaces));
      expect(options.provider).toEqual(expect.arrayContaining(['openai', 'backup']));
      expect(options.model).toEqual(expect.arrayContaining(['gpt-4.1-nano-2025-04-14', 'grok-3-mini']));
      const empty: string[] = [];
      for (const query of panelQueries(json)) {
        const rows = await execute(query, values);
        ran.add(query.id);
        if (!holdsData(rows)) empty.push(`${query.id}: ${JSON.stringify(rows)}`);
      }
      expect(empty).toEqual([]);
    },
  );

  /** The rows of one panel of one dashboard, its variables set as in the runs above. */
  async function panelRows(uid: string, title: string): Promise<Row[]> {
    const json = dashboards.find((dashboard) => dashboard.json.uid === uid)?.json;
    const query = panelQueries(json).find((candidate) => candidate.id.includes(`(${title})`));
    if (!query) throw new Error(`${uid} has no panel "${title}"`);
    return execute(query, (await resolveVariables(queryVariables(json))).values);
  }

  it('counts what was sent: requests, workspaces, cache answers, failures', async () => {
    const [total] = await panelRows('switchyard-overview', 'Requests');
    expect(total.requests).toBe([...sent.values()].reduce((sum, count) => sum + count, 0));
    const workspaceRows = await panelRows('switchyard-tenants', 'Workspaces');
    expect(Object.fromEntries(workspaceRows.map((row) => [row.workspace, Number(row.requests)]))).toEqual(Object.fromEntries(sent));
    // One hit per workspace (the lookups before it were misses).
    const [cached] = await panelRows('switchyard-cache', 'Answered by the cache');
    expect(Number(cached.requests)).toBe(workspaces.length);
    // One rate-limited request per workspace, with the status the client got.
    const failures = await panelRows('switchyard-overview', 'Latest failures');
    expect(failures.map((row) => [row.workspace, row.http_status, row.provider]).sort()).toEqual(
      workspaces.map((workspace) => [workspace, '429', 'openai']).sort(),
    );
  });

  it('ran every query of every dashboard', () => {
    const all = dashboards.flatMap(({ json }) =>
      [...panelQueries(json), ...queryVariables(json).map((variable) => variable.query)].map((query) => query.id),
    );
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((id) => !ran.has(id))).toEqual([]);
  });
});
