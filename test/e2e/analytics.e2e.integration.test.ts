import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

jest.setTimeout(120_000);

/**
 * Analytics over real traffic, end to end: requests through the gateway to
 * a mock OpenAI upstream (recorded streams and bodies), recorded through the
 * in-process bus into the embedded database, or through Kafka into Postgres
 * and read over gRPC; grouped by every kind of dimension the headers set,
 * with the country from a trusted header; feedback scores on a request and
 * on a trace; a cheaper model recommended from the catalog. Each workspace
 * sees only its own.
 */
describe.each<Mode>(['embedded', 'distributed'])('analytics (%s mode)', (mode) => {
  const run = randomBytes(4).toString('hex');
  const teamA = `analytics-a-${run}`;
  const teamB = `analytics-b-${run}`;
  const keys = { a: '', b: '', viewerA: '' };
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let root: string;
  let records: any[];

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4o', 'gpt-4o-mini'] } },
      analytics: { countryHeader: 'cf-ipcountry' },
    });
    root = switchyard.origin;
    const admin = async (path: string, body: unknown): Promise<{ key: string }> => {
      const response = await fetch(`${root}/admin/v1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { key: string };
    };
    for (const workspace of [teamA, teamB]) await admin('workspaces', { id: workspace, organization: 'default' });
    keys.a = (await admin('keys', { workspace: teamA, name: 'a' })).key;
    keys.b = (await admin('keys', { workspace: teamB, name: 'b' })).key;
    keys.viewerA = (await admin('keys', { workspace: teamA, name: 'viewer-a', role: 'viewer' })).key;

    const clientA = new OpenAI({ baseURL: switchyard.baseURL, apiKey: keys.a, maxRetries: 0 });
    const stream = async (id: string, headers: Record<string, string>) => {
      const chunks = await clientA.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } },
        { headers: { 'x-request-id': id, ...headers } },
      );
      for await (const _ of chunks) void _;
    };
    await stream(`${run}-1`, {
      'x-switchyard-tags': 'search,beta',
      'x-switchyard-session-id': 's-1',
      'x-switchyard-user-id': 'ann',
      'cf-ipcountry': 'de',
    });
    await stream(`${run}-2`, {
      'x-switchyard-tags': 'search',
      'x-switchyard-session-id': 's-1',
      'x-switchyard-user-id': 'bob',
      'cf-ipcountry': 'FR',
    });
    // The recorded whole body: served by gpt-4.1-nano, no country header (a loopback client has none either).
    await clientA.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': `${run}-3` } },
    );
    upstream.enqueue({
      kind: 'error',
      status: 400,
      body: { error: { message: 'Bad prompt.', type: 'invalid_request_error', param: null, code: null } },
    });
    await expect(
      clientA.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-request-id': `${run}-4` } },
      ),
    ).rejects.toMatchObject({ status: 400 });
    const clientB = new OpenAI({ baseURL: switchyard.baseURL, apiKey: keys.b, maxRetries: 0 });
    await clientB.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': `${run}-b` } },
    );

    // Records appear shortly after their responses.
    records = (
      await waitFor(
        () => get('/v1/requests', keys.a),
        ({ body }) => body.data?.length === 4,
        { timeoutMs: 60_000, what: "workspace A's four records", intervalMs: 200 },
      )
    ).body.data;
    await waitFor(
      () => get(`/v1/requests/${run}-b`, keys.b),
      ({ status }) => status === 200,
      { timeoutMs: 60_000, what: "workspace B's record", intervalMs: 200 },
    );
  }, 180_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  async function get(path: string, key: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${root}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: await response.json() };
  }

  async function post(path: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${root}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const record = (n: number) => records.find((candidate) => candidate.id === `${run}-${n}`);
  const sum = (members: any[], value: (member: any) => number) => members.reduce((total, member) => total + value(member), 0);

  it('records the country from the trusted header, upper-cased', () => {
    expect([1, 2, 3, 4].map((n) => record(n).country)).toEqual(['DE', 'FR', null, null]);
  });

  it('answers the metrics of the caller’s workspace per model, as the records add up', async () => {
    const { status, body } = await get('/v1/analytics?group_by=model&compare=previous', keys.a);
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'analytics', interval: null, group_by: ['model'], previous: { requests: 0 } });
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(24 * 3_600_000);
    const byModel = new Map<string, any[]>();
    for (const member of records) {
      const model = member.served_model ?? member.requested_model;
      byModel.set(model, [...(byModel.get(model) ?? []), member]);
    }
    expect(body.data.map((row: any) => row.group.model)).toEqual([...byModel.keys()].sort());
    for (const row of body.data) {
      const members = byModel.get(row.group.model)!;
      expect(row).toMatchObject({
        bucket: null,
        requests: members.length,
        errors: members.filter((member) => member.status !== 'succeeded').length,
        input_tokens: sum(members, (member) => member.usage.input_tokens),
        output_tokens: sum(members, (member) => member.usage.output_tokens),
        cache_hit_rate: 0,
        scores: {},
      });
      expect(row.cost_usd).toBeCloseTo(
        sum(members, (member) => member.cost_usd),
        12,
      );
      const streamed = members.filter((member) => member.streamed);
      if (streamed.length === 0) expect(row.time_to_first_token_ms).toBeNull();
      else expect(row.time_to_first_token_ms.p50).toBeGreaterThan(0);
      expect(row.latency_ms.p99).toBeGreaterThanOrEqual(row.latency_ms.p50);
    }
    expect(body.totals).toMatchObject({ requests: 4, errors: 1, error_rate: 0.25 });
  });

  it('groups by tag, country, session, user, route, status and operation, with time buckets', async () => {
    const groups = async (groupBy: string) => {
      const { body } = await get(`/v1/analytics?group_by=${groupBy}&interval=1h`, keys.a);
      expect(body.data.every((row: any) => /T\d\d:00:00.000Z$/.test(row.bucket))).toBe(true);
      const counts = new Map<string, number>();
      for (const row of body.data) counts.set(row.group[groupBy], (counts.get(row.group[groupBy]) ?? 0) + row.requests);
      return Object.fromEntries(counts);
    };
    expect(await groups('tag')).toEqual({ '': 2, beta: 1, search: 2 });
    expect(await groups('country')).toEqual({ '': 2, DE: 1, FR: 1 });
    expect(await groups('session')).toEqual({ '': 2, 's-1': 2 });
    expect(await groups('user')).toEqual({ '': 2, ann: 1, bob: 1 });
    expect(await groups('route')).toEqual({ 'gpt-4o': 2, 'gpt-4o-mini': 2 });
    expect(await groups('status')).toEqual({ failed: 1, succeeded: 3 });
    expect(await groups('operation')).toEqual({ 'chat.completion': 4 });
    const filtered = await get('/v1/analytics?group_by=key,workspace&tag=search&country=de', keys.a);
    expect(filtered.body.data).toEqual([expect.objectContaining({ group: { key: expect.any(String), workspace: teamA }, requests: 1 })]);
  });

  it('keeps each workspace to its own, and refuses to read another', async () => {
    const b = await get('/v1/analytics?group_by=workspace', keys.b);
    expect(b.body.data.map((row: any) => [row.group.workspace, row.requests])).toEqual([[teamB, 1]]);
    expect((await get(`/v1/analytics?workspace=${teamB}`, keys.a)).body).toMatchObject({ error: { code: 'permission_denied', param: 'workspace' } });
    expect((await fetch(`${root}/v1/analytics`)).status).toBe(401);
  });

  it('answers bad queries with a 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['group_by=colour', 'group_by'],
      ['interval=2m', 'interval'],
      ['compare=next', 'compare'],
      ['from=yesterday', 'from'],
      ['status=lost', 'status'],
      ['interval=1m&from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z', 'interval'],
    ]) {
      const { status, body } = await get(`/v1/analytics?${query}`, keys.a);
      expect({ query, status, param: body.error?.param, type: body.error?.type }).toEqual({
        query,
        status: 400,
        param,
        type: 'invalid_request_error',
      });
    }
  });

  it('takes feedback on a request and on a trace of the caller’s workspace, and aggregates it', async () => {
    const thumbs = await post('/v1/feedback', keys.a, { request_id: `${run}-1`, name: 'thumbs', value: true, comment: 'spot on' });
    expect(thumbs).toMatchObject({
      status: 201,
      body: { object: 'feedback', workspace: teamA, request_id: `${run}-1`, kind: 'boolean', value: true },
    });
    expect(thumbs.body.trace_id).toBe(record(1).trace_id);
    expect((await post('/v1/feedback', keys.a, { request_id: `${run}-2`, name: 'thumbs', value: false })).status).toBe(201);
    expect((await post('/v1/feedback', keys.a, { request_id: `${run}-2`, name: 'tone', value: 'curt' })).status).toBe(201);
    expect((await post('/v1/feedback', keys.a, { trace_id: record(3).trace_id, name: 'task_done', value: 0.5 })).status).toBe(201);
    const { body } = await get('/v1/analytics?group_by=user', keys.a);
    expect(body.totals.scores).toEqual({
      thumbs: { count: 2, mean: 0.5 },
      tone: { count: 1, mean: null, values: { curt: 1 } },
      task_done: { count: 1, mean: 0.5 },
    });
    const ann = body.data.find((row: any) => row.group.user === 'ann');
    expect(ann.scores).toEqual({ thumbs: { count: 1, mean: 1 } });
  });

  it('refuses feedback on another workspace’s request (404), from a viewer (403), and malformed (400)', async () => {
    expect(await post('/v1/feedback', keys.a, { request_id: `${run}-b`, name: 'thumbs', value: true })).toMatchObject({
      status: 404,
      body: { error: { code: 'request_not_found', param: 'request_id' } },
    });
    expect((await post('/v1/feedback', keys.b, { request_id: `${run}-b`, name: 'thumbs', value: true })).status).toBe(201);
    expect((await post('/v1/feedback', keys.viewerA, { request_id: `${run}-1`, name: 'thumbs', value: true })).status).toBe(403);
    for (const [body, param] of [
      [{ name: 'thumbs', value: true }, 'request_id'],
      [{ request_id: `${run}-1`, trace_id: record(1).trace_id, name: 'thumbs', value: true }, 'trace_id'],
      [{ request_id: `${run}-1`, value: true }, 'name'],
      [{ request_id: `${run}-1`, name: 'a b', value: true }, 'name'],
      [{ request_id: `${run}-1`, name: 'thumbs', value: { up: true } }, 'value'],
      [{ request_id: `${run}-1`, name: 'thumbs' }, 'value'],
      [{ request_id: `${run}-1`, name: 'thumbs', value: 1, score: 2 }, 'score'],
      [{ trace_id: 'not-a-trace', name: 'thumbs', value: 1 }, 'trace_id'],
    ] as const) {
      const answer = await post('/v1/feedback', keys.a, body);
      expect({ body, status: answer.status, param: answer.body.error?.param }).toEqual({ body, status: 400, param });
    }
  });

  it('recommends the cheaper served model with the same capabilities, priced on the same tokens', async () => {
    const { status, body } = await get('/v1/analytics/recommendations', keys.a);
    expect(status).toBe(200);
    const streamed = [record(1), record(2)];
    // gpt-4.1-nano (the whole body's model) has a larger context window than either candidate: nothing replaces it.
    expect(body.data).toEqual([
      expect.objectContaining({
        route: 'gpt-4o',
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        requests: 2,
        alternative_provider: 'openai',
        alternative_model: 'gpt-4o-mini',
      }),
    ]);
    const [recommendation] = body.data;
    const input = sum(streamed, (member) => member.usage.input_tokens);
    const output = sum(streamed, (member) => member.usage.output_tokens);
    expect(recommendation.current_cost_usd).toBeCloseTo(
      sum(streamed, (member) => member.cost_usd),
      12,
    );
    // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    expect(recommendation.alternative_cost_usd).toBeCloseTo((input * 0.15 + output * 0.6) / 1e6, 12);
    expect(recommendation.savings_usd).toBeCloseTo(recommendation.current_cost_usd - recommendation.alternative_cost_usd, 12);
  });
});
