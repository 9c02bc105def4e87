import { eventsV1 } from '@switchyard/proto';
import {
  analyticsDimensions,
  analyticsIntervals,
  operationName,
  type AnalyticsDimension,
  type AnalyticsFilter,
  type AnalyticsInterval,
  type AnalyticsMetrics,
  type AnalyticsRow,
  type RequestRecord,
} from '@switchyard/shared';
import { recordFeedback } from '../feedback/record-feedback';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { micros, requestCompleted, requestEvent, seededRandom, timestamp } from '../storage/__fixtures__/events';

jest.setTimeout(120_000);

const START = Date.parse('2025-03-01T00:00:00Z');
const DAY = 86_400_000;
const WINDOW: AnalyticsFilter = { from: new Date(START), to: new Date(START + 2 * DAY) };

/**
 * 300 requests over two days (the analytics window) and 60 in the day
 * before it (the previous period of a one-day window starting then), with
 * every dimension varied: users, sessions, workspaces, keys, models served
 * or not, providers, routes, prompt versions, countries, zero to two tags,
 * statuses, operations, streamed or not, cache hits, missing token counts.
 */
function dataSet(): RequestRecord[] {
  const random = seededRandom(16);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  return Array.from({ length: 360 }, (_, index) => {
    const at = index < 300 ? START + Math.floor(random() * 2 * DAY) : START - DAY + Math.floor(random() * DAY);
    const requestedModel = pick(['fast', 'gpt-4o-mini', 'claude-sonnet-4-5']);
    const streamed = random() < 0.6;
    const promptName = pick(['', 'support', 'Summary']);
    return requestCompleted({
      eventId: `analytics-${index}`,
      requestId: `analytics-req-${index}`,
      occurredAt: timestamp(new Date(at).toISOString()),
      workspace: pick(['acme', 'beta']),
      keyId: pick(['', 'key-a', 'key-B']),
      user: pick(['ann', 'bob', '']),
      sessionId: pick(['s-1', 's-2', '']),
      traceId: `${String(index % 40).padStart(2, '0')}${'a'.repeat(30)}`,
      operation: pick([eventsV1.Operation.CHAT_COMPLETION, eventsV1.Operation.CHAT_COMPLETION, eventsV1.Operation.EMBEDDING]),
      requestedModel,
      servedModel: requestedModel === 'fast' ? pick(['gpt-4o-mini-2024-07-18', '']) : requestedModel,
      provider: requestedModel.startsWith('claude') ? 'anthropic' : 'openai',
      status: pick([
        eventsV1.RequestStatus.SUCCEEDED,
        eventsV1.RequestStatus.SUCCEEDED,
        eventsV1.RequestStatus.SUCCEEDED,
        eventsV1.RequestStatus.FAILED,
        eventsV1.RequestStatus.CANCELLED,
      ]),
      latencyMs: Math.round(random() * 5_000_000) / 1000,
      streamed,
      timeToFirstTokenMs: streamed && random() < 0.9 ? Math.round(random() * 900_000) / 1000 : 0,
      tokens:
        random() < 0.1
          ? undefined
          : { input: Math.floor(random() * 50_000), output: Math.floor(random() * 5_000), cachedInput: 0, cacheWrite: 0, reasoning: 0 },
      costUsd: Math.round(random() * 1e6) / 1e7,
      cacheStatus: pick([eventsV1.CacheStatus.DISABLED, eventsV1.CacheStatus.MISS, eventsV1.CacheStatus.HIT, eventsV1.CacheStatus.SEMANTIC_HIT]),
      tags: pick([[], ['search'], ['search', 'beta'], ['Zeta']]),
      country: pick(['DE', 'US', '']),
      promptName,
      promptVersion: promptName === '' ? 0 : pick([1, 2]),
      ...pick([{}, { experimentId: 'exp_a', experimentArm: pick(['control', 'treatment']) }, { experimentId: 'exp_b', experimentArm: 'control' }]),
    });
  });
}

const STATUS_NAMES: Record<number, string> = { 1: 'succeeded', 2: 'failed', 3: 'cancelled' };

/** The values a request counts under for a dimension (one, or one per tag). */
function valuesOf(event: RequestRecord, dimension: AnalyticsDimension): string[] {
  switch (dimension) {
    case 'user':
      return [event.user];
    case 'session':
      return [event.sessionId];
    case 'workspace':
      return [event.workspace];
    case 'key':
      return [event.keyId];
    case 'model':
      return [event.servedModel || event.requestedModel];
    case 'provider':
      return [event.provider];
    case 'route':
      return [event.requestedModel];
    case 'prompt_version':
      return [event.promptName ? `${event.promptName}@${event.promptVersion}` : ''];
    case 'experiment_arm':
      return [event.experimentId ? `${event.experimentId}:${event.experimentArm}` : ''];
    case 'country':
      return [event.country];
    case 'tag':
      return event.tags.length === 0 ? [''] : event.tags;
    case 'status':
      return [STATUS_NAMES[event.status]];
    case 'operation':
      return [operationName(event.operation)];
  }
}

const atMs = (event: RequestRecord) => Number(micros(event.occurredAt) / 1000n);

/** `percentile_cont`: linear interpolation between the two nearest ranks. */
function percentileCont(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** The metrics of some requests, computed in plain TypeScript (scores left to the tests that add them). */
function expectedMetrics(members: readonly RequestRecord[]): Omit<AnalyticsMetrics, 'scores'> {
  const errors = members.filter((event) => event.status !== eventsV1.RequestStatus.SUCCEEDED).length;
  const latencies = members.map((event) => event.latencyMs);
  const ttfts = members.filter((event) => event.streamed && event.timeToFirstTokenMs > 0).map((event) => event.timeToFirstTokenMs);
  const percentiles = (values: number[]) => ({
    p50: percentileCont(values, 0.5),
    p95: percentileCont(values, 0.95),
    p99: percentileCont(values, 0.99),
  });
  const hits = members.filter((event) => event.cacheStatus === eventsV1.CacheStatus.HIT || event.cacheStatus === eventsV1.CacheStatus.SEMANTIC_HIT);
  return {
    requests: members.length,
    errors,
    errorRate: errors / members.length,
    latencyMs: percentiles(latencies),
    timeToFirstTokenMs: ttfts.length === 0 ? null : percentiles(ttfts),
    inputTokens: members.reduce((total, event) => total + (event.tokens?.input ?? 0), 0),
    outputTokens: members.reduce((total, event) => total + (event.tokens?.output ?? 0), 0),
    costUsd: members.reduce((total, event) => total + event.costUsd, 0),
    cacheHitRate: hits.length / members.length,
  };
}

interface ExpectedRow extends Omit<AnalyticsMetrics, 'scores'> {
  bucket?: string;
  group: Record<string, string>;
}

/** Rows in bucket order, then byte order of the group values. */
function expectedRows(
  events: readonly RequestRecord[],
  groupBy: AnalyticsDimension[],
  filter: AnalyticsFilter,
  interval?: AnalyticsInterval,
  keep: (event: RequestRecord) => boolean = () => true,
): ExpectedRow[] {
  const groups = new Map<string, { bucket?: string; values: string[]; members: RequestRecord[] }>();
  for (const event of events) {
    const at = atMs(event);
    if (at < filter.from.getTime() || at >= filter.to.getTime() || !keep(event)) continue;
    const width = interval === undefined ? undefined : analyticsIntervals[interval] * 1000;
    const bucket = width === undefined ? undefined : new Date(Math.floor(at / width) * width).toISOString();
    let combinations: string[][] = [[]];
    for (const dimension of groupBy) combinations = combinations.flatMap((prefix) => valuesOf(event, dimension).map((value) => [...prefix, value]));
    for (const values of combinations) {
      const key = JSON.stringify([bucket, ...values]);
      const group = groups.get(key) ?? { bucket, values, members: [] };
      group.members.push(event);
      groups.set(key, group);
    }
  }
  const compare = (a: string[], b: string[]) => {
    for (let index = 0; index < a.length; index++) {
      const order = Buffer.compare(Buffer.from(a[index]), Buffer.from(b[index]));
      if (order !== 0) return order;
    }
    return 0;
  };
  return [...groups.values()]
    .sort((a, b) => (a.bucket ?? '').localeCompare(b.bucket ?? '') || compare(a.values, b.values))
    .map(({ bucket, values, members }) => ({
      ...(bucket !== undefined && { bucket }),
      group: Object.fromEntries(groupBy.map((dimension, index) => [dimension, values[index]])),
      ...expectedMetrics(members),
    }));
}

/** Counts and groups exactly; sums and percentiles of doubles to 9 decimals. */
function expectSameRows(actual: AnalyticsRow[], expected: ExpectedRow[]): void {
  expect(actual.map((row) => ({ bucket: row.bucket?.toISOString(), group: row.group, requests: row.requests }))).toEqual(
    expected.map((row) => ({ bucket: row.bucket, group: row.group, requests: row.requests })),
  );
  actual.forEach((row, index) => expectSameMetrics(row, expected[index]));
}

function expectSameMetrics(actual: AnalyticsMetrics, expected: Omit<AnalyticsMetrics, 'scores'>): void {
  expect({ requests: actual.requests, errors: actual.errors, input: actual.inputTokens, output: actual.outputTokens }).toEqual({
    requests: expected.requests,
    errors: expected.errors,
    input: expected.inputTokens,
    output: expected.outputTokens,
  });
  expect(actual.errorRate).toBeCloseTo(expected.errorRate, 12);
  expect(actual.cacheHitRate).toBeCloseTo(expected.cacheHitRate, 12);
  expect(actual.costUsd).toBeCloseTo(expected.costUsd, 9);
  for (const fraction of ['p50', 'p95', 'p99'] as const) {
    expect(actual.latencyMs[fraction]).toBeCloseTo(expected.latencyMs[fraction], 9);
    if (expected.timeToFirstTokenMs === null) expect(actual.timeToFirstTokenMs).toBeNull();
    else expect(actual.timeToFirstTokenMs?.[fraction]).toBeCloseTo(expected.timeToFirstTokenMs[fraction], 9);
  }
}

describe.each(DATABASE_KINDS)('analytics on %s', (kind) => {
  let database: TestDatabase;
  const events = dataSet();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.store.writeBatch(events.map(requestEvent));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it.each(analyticsDimensions)('groups by %s: requests, errors, latency and TTFT percentiles, tokens, cost, cache hit rate', async (dimension) => {
    const expected = expectedRows(events, [dimension], WINDOW);
    expect(expected.length).toBeGreaterThan(1);
    const result = await database.queries.analytics({ filter: WINDOW, groupBy: [dimension] });
    expectSameRows(result.rows, expected);
    expect(result.truncated).toBe(false);
    expect(result.previous).toBeUndefined();
  });

  it('counts a request under each of its tags, and once in the totals', async () => {
    const result = await database.queries.analytics({ filter: WINDOW, groupBy: ['tag'] });
    const inWindow = events.filter((event) => atMs(event) >= WINDOW.from.getTime() && atMs(event) < WINDOW.to.getTime());
    expect(result.rows.map((row) => row.group.tag)).toEqual(['', 'Zeta', 'beta', 'search']);
    expect(result.rows.reduce((total, row) => total + row.requests, 0)).toBeGreaterThan(inWindow.length);
    expectSameMetrics(result.totals, expectedMetrics(inWindow));
  });

  it.each(['1h', '6h', '1d'] as const)('buckets by %s from the epoch, crossed with several dimensions', async (interval) => {
    const groupBy: AnalyticsDimension[] = ['provider', 'status'];
    const result = await database.queries.analytics({ filter: WINDOW, groupBy, interval });
    expectSameRows(result.rows, expectedRows(events, groupBy, WINDOW, interval));
    if (interval === '1d')
      expect([...new Set(result.rows.map((row) => row.bucket?.toISOString()))]).toEqual(['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z']);
  });

  it('applies every filter at once and each alone', async () => {
    const filters: Array<[Partial<AnalyticsFilter>, (event: RequestRecord) => boolean]> = [
      [{ workspace: 'acme' }, (event) => event.workspace === 'acme'],
      [{ user: 'ann' }, (event) => event.user === 'ann'],
      [{ sessionId: 's-1' }, (event) => event.sessionId === 's-1'],
      [{ model: 'gpt-4o-mini' }, (event) => event.requestedModel === 'gpt-4o-mini' || event.servedModel === 'gpt-4o-mini'],
      [{ provider: 'anthropic' }, (event) => event.provider === 'anthropic'],
      [{ keyId: 'key-a' }, (event) => event.keyId === 'key-a'],
      [{ route: 'fast' }, (event) => event.requestedModel === 'fast'],
      [{ country: 'DE' }, (event) => event.country === 'DE'],
      [{ tag: 'search' }, (event) => event.tags.includes('search')],
      [{ status: 'failed' }, (event) => event.status === eventsV1.RequestStatus.FAILED],
    ];
    for (const [fields, keep] of filters) {
      const expected = expectedRows(events, ['model'], WINDOW, undefined, keep);
      expect(expected.length).toBeGreaterThan(0);
      expectSameRows((await database.queries.analytics({ filter: { ...WINDOW, ...fields }, groupBy: ['model'] })).rows, expected);
    }
    const all = filters.slice(0, 2);
    const combined = Object.assign({}, ...all.map(([fields]) => fields)) as Partial<AnalyticsFilter>;
    const expected = expectedRows(events, ['country'], WINDOW, undefined, (event) => all.every(([, keep]) => keep(event)));
    expectSameRows((await database.queries.analytics({ filter: { ...WINDOW, ...combined }, groupBy: ['country'] })).rows, expected);
  });

  it('compares with the equal period before (trends)', async () => {
    const filter = { from: new Date(START), to: new Date(START + DAY) };
    const result = await database.queries.analytics({ filter, groupBy: [], comparePrevious: true });
    const within = (from: number, to: number) => events.filter((event) => atMs(event) >= from && atMs(event) < to);
    expectSameMetrics(result.totals, expectedMetrics(within(START, START + DAY)));
    expect(result.previous).toBeDefined();
    expectSameMetrics(result.previous!, expectedMetrics(within(START - DAY, START)));
    expect(result.previous!.requests).toBe(60);
  });

  it('keeps to the scope: a workspace outside it counts nowhere', async () => {
    const result = await database.queries.analytics({ filter: WINDOW, groupBy: ['workspace'], scope: ['beta'] });
    expect(result.rows.map((row) => row.group.workspace)).toEqual(['beta']);
    expect(result.totals.requests).toBe(result.rows[0].requests);
    expect((await database.queries.analytics({ filter: WINDOW, groupBy: ['model'], scope: [] })).totals.requests).toBe(0);
  });

  it('stops at the limit and says so', async () => {
    const result = await database.queries.analytics({ filter: WINDOW, groupBy: ['model', 'user'], limit: 2 });
    expect(result.rows).toHaveLength(2);
    expect(result.truncated).toBe(true);
  });

  it('answers nothing matched with no rows and zero totals', async () => {
    const result = await database.queries.analytics({ filter: { ...WINDOW, workspace: 'nobody' }, groupBy: ['model'], comparePrevious: true });
    expect(result.rows).toEqual([]);
    expect(result.totals).toMatchObject({ requests: 0, errorRate: 0, timeToFirstTokenMs: null, scores: {} });
    expect(result.previous).toMatchObject({ requests: 0 });
  });

  it.each([
    [{ groupBy: ['colour'] }, 'group_by'],
    [{ groupBy: ['model', 'model'] }, 'group_by'],
    [{ interval: '2m' }, 'interval'],
    [{ interval: '1m', filter: { from: new Date(START), to: new Date(START + 10 * DAY) } }, 'interval'],
    [{ limit: 0 }, 'limit'],
    [{ filter: { from: new Date(START + DAY), to: new Date(START) } }, 'from'],
  ])('refuses %j naming %s', async (overrides, param) => {
    await expect(database.queries.analytics({ filter: WINDOW, groupBy: [], ...overrides } as never)).rejects.toMatchObject({ status: 400, param });
  });

  describe('with feedback scores', () => {
    const inWindow = () => events.filter((event) => atMs(event) >= WINDOW.from.getTime() && atMs(event) < WINDOW.to.getTime());

    beforeAll(async () => {
      const [first, second, third] = inWindow().filter((event) => event.workspace === 'acme');
      const scope = ['acme'];
      await recordFeedback(database.client, { requestId: first.requestId, name: 'thumbs', value: true, keyId: '', scope });
      await recordFeedback(database.client, { requestId: second.requestId, name: 'thumbs', value: false, keyId: '', scope });
      await recordFeedback(database.client, { requestId: third.requestId, name: 'thumbs', value: true, keyId: 'key-a', scope });
      await recordFeedback(database.client, { requestId: first.requestId, name: 'accuracy', value: 0.25, keyId: '', scope, comment: 'partly' });
      await recordFeedback(database.client, { requestId: second.requestId, name: 'accuracy', value: 0.75, keyId: '', scope });
      await recordFeedback(database.client, { requestId: first.requestId, name: 'tone', value: 'friendly', keyId: '', scope });
      await recordFeedback(database.client, { requestId: third.requestId, name: 'tone', value: 'curt', keyId: '', scope });
      await recordFeedback(database.client, { requestId: second.requestId, name: 'tone', value: 'friendly', keyId: '', scope });
      // A trace's score counts for its requests (once per group).
      await recordFeedback(database.client, { traceId: first.traceId, name: 'task_done', value: 1, keyId: '', scope });
    });

    it('aggregates thumbs, numeric and categorical scores in the totals', async () => {
      const { totals } = await database.queries.analytics({ filter: WINDOW, groupBy: [] });
      expect(totals.scores.thumbs).toEqual({ count: 3, mean: 2 / 3 });
      expect(totals.scores.accuracy).toEqual({ count: 2, mean: 0.5 });
      expect(totals.scores.tone).toEqual({ count: 3, mean: null, values: { curt: 1, friendly: 2 } });
      expect(totals.scores.task_done).toEqual({ count: 1, mean: 1 });
    });

    it('attributes each score to the group of the request it scores', async () => {
      const [first, second, third] = inWindow().filter((event) => event.workspace === 'acme');
      const { rows } = await database.queries.analytics({ filter: WINDOW, groupBy: ['user', 'model'] });
      const rowOf = (event: RequestRecord) =>
        rows.find((row) => row.group.user === event.user && row.group.model === (event.servedModel || event.requestedModel))!;
      const thumbs = new Map<AnalyticsRow, number[]>();
      [
        [first, 1],
        [second, 0],
        [third, 1],
      ].forEach(([event, value]) => {
        const row = rowOf(event as RequestRecord);
        thumbs.set(row, [...(thumbs.get(row) ?? []), value as number]);
      });
      for (const [row, values] of thumbs) {
        expect(row.scores.thumbs).toEqual({ count: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length });
      }
      const scored = new Set(thumbs.keys());
      const traceRows = rows.filter((row) => row.scores.task_done);
      for (const row of rows) if (!scored.has(row)) expect(row.scores.thumbs).toBeUndefined();
      expect(traceRows.length).toBeGreaterThan(0);
      expect(traceRows.every((row) => row.scores.task_done.count === 1)).toBe(true);
    });

    it('does not find a request of a workspace outside the scope, and stores nothing for it', async () => {
      const other = inWindow().find((event) => event.workspace === 'beta')!;
      expect(
        await recordFeedback(database.client, { requestId: other.requestId, name: 'thumbs', value: true, keyId: '', scope: ['acme'] }),
      ).toBeUndefined();
      expect(
        await recordFeedback(database.client, { traceId: 'f'.repeat(32), name: 'thumbs', value: true, keyId: '', scope: 'all' }),
      ).toBeUndefined();
      const { totals } = await database.queries.analytics({ filter: WINDOW, groupBy: [] });
      expect(totals.scores.thumbs.count).toBe(3);
    });
  });
});
