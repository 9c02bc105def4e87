import { eventsV1 } from '@switchyard/proto';
import { usageGroupings, type RequestFilter, type RequestRecord, type UsageGrouping, type UsageRow } from '@switchyard/shared';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { micros, requestCompleted, requestEvent, seededRandom, timestamp } from '../storage/__fixtures__/events';

jest.setTimeout(60_000);

/**
 * 400 requests over three UTC days, some just before and just after
 * midnight; group names whose byte order differs from dictionary order
 * (`Zeta` before `acme`); some without token counts, with no key, with no
 * served model.
 */
function dataSet(): RequestRecord[] {
  const random = seededRandom(42);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  const start = Date.parse('2025-03-01T00:00:00Z');
  const day = 86_400_000;
  const times = ['2025-02-28T23:59:59.999999Z', '2025-03-01T00:00:00.000000Z', '2025-03-01T23:59:59.999999Z', '2025-03-02T00:00:00.000001Z'];
  return Array.from({ length: 400 }, (_, index) => {
    const occurredAt =
      index < times.length
        ? timestamp(times[index])
        : timestamp(new Date(start + Math.floor(random() * 3 * day)).toISOString().replace('Z', `${String(index % 1000).padStart(3, '0')}Z`));
    const requestedModel = pick(['fast', 'gpt-4o-mini', 'Claude-Sonnet']);
    return requestCompleted({
      eventId: `usage-${index}`,
      requestId: `usage-req-${index}`,
      occurredAt,
      workspace: pick(['acme', 'beta', 'Zeta']),
      keyId: pick(['', 'key-a', 'key-B']),
      user: pick(['ann', 'bob', '']),
      requestedModel,
      servedModel: requestedModel === 'fast' ? pick(['gpt-4o-mini', '']) : requestedModel,
      provider: pick(['openai', 'anthropic']),
      status: pick([
        eventsV1.RequestStatus.SUCCEEDED,
        eventsV1.RequestStatus.SUCCEEDED,
        eventsV1.RequestStatus.FAILED,
        eventsV1.RequestStatus.CANCELLED,
      ]),
      latencyMs: Math.round(random() * 5_000_000) / 1000,
      tokens:
        random() < 0.1
          ? undefined
          : {
              input: Math.floor(random() * 100_000),
              output: Math.floor(random() * 10_000),
              cachedInput: Math.floor(random() * 1_000),
              cacheWrite: Math.floor(random() * 500),
              reasoning: Math.floor(random() * 2_000),
            },
      costUsd: Math.round(random() * 1e6) / 1e7,
    });
  });
}

/** `percentile_cont`: linear interpolation between the two nearest ranks. */
function percentileCont(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

const STATUS_NAMES: Record<number, string> = { 1: 'succeeded', 2: 'failed', 3: 'cancelled' };

function groupOf(event: RequestRecord, groupBy: UsageGrouping): string {
  switch (groupBy) {
    case 'model':
      return event.servedModel || event.requestedModel;
    case 'provider':
      return event.provider;
    case 'workspace':
      return event.workspace;
    case 'key':
      return event.keyId;
    case 'user':
      return event.user;
    case 'day':
      return new Date(Number(micros(event.occurredAt) / 1000n)).toISOString().slice(0, 10);
  }
}

function matches(event: RequestRecord, filter: RequestFilter): boolean {
  const at = micros(event.occurredAt);
  return (
    (filter.from === undefined || at >= BigInt(filter.from.getTime()) * 1000n) &&
    (filter.to === undefined || at < BigInt(filter.to.getTime()) * 1000n) &&
    (filter.workspace === undefined || event.workspace === filter.workspace) &&
    (filter.model === undefined || event.requestedModel === filter.model || event.servedModel === filter.model) &&
    (filter.provider === undefined || event.provider === filter.provider) &&
    (filter.status === undefined || STATUS_NAMES[event.status] === filter.status)
  );
}

/** The usage rows, computed from the events in plain TypeScript. */
function expectedUsage(events: readonly RequestRecord[], groupBy: UsageGrouping, filter: RequestFilter = {}): UsageRow[] {
  const groups = new Map<string, RequestRecord[]>();
  for (const event of events.filter((candidate) => matches(candidate, filter))) {
    const key = groupOf(event, groupBy);
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  const sum = (members: RequestRecord[], value: (event: RequestRecord) => number) => members.reduce((total, event) => total + value(event), 0);
  return [...groups.entries()]
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([group, members]) => {
      const errors = members.filter((event) => event.status !== eventsV1.RequestStatus.SUCCEEDED).length;
      const latencies = members.map((event) => event.latencyMs);
      return {
        group,
        requests: members.length,
        errors,
        errorRate: errors / members.length,
        inputTokens: sum(members, (event) => event.tokens?.input ?? 0),
        outputTokens: sum(members, (event) => event.tokens?.output ?? 0),
        cachedInputTokens: sum(members, (event) => event.tokens?.cachedInput ?? 0),
        cacheWriteTokens: sum(members, (event) => event.tokens?.cacheWrite ?? 0),
        reasoningTokens: sum(members, (event) => event.tokens?.reasoning ?? 0),
        costUsd: sum(members, (event) => event.costUsd),
        latencyP50Ms: percentileCont(latencies, 0.5),
        latencyP95Ms: percentileCont(latencies, 0.95),
      };
    });
}

/** Counts exactly; sums and percentiles of doubles to 9 decimals (the database may add them in another order). */
function expectSameUsage(actual: UsageRow[], expected: UsageRow[]): void {
  const exact = ({ costUsd, latencyP50Ms, latencyP95Ms, errorRate, ...rest }: UsageRow) => rest;
  expect(actual.map(exact)).toEqual(expected.map(exact));
  actual.forEach((row, index) => {
    const want = expected[index];
    expect(row.errorRate).toBe(want.errorRate);
    expect(row.costUsd).toBeCloseTo(want.costUsd, 9);
    expect(row.latencyP50Ms).toBeCloseTo(want.latencyP50Ms, 9);
    expect(row.latencyP95Ms).toBeCloseTo(want.latencyP95Ms, 9);
  });
}

describe.each(DATABASE_KINDS)('usage on %s', (kind) => {
  let database: TestDatabase;
  const events = dataSet();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.store.writeBatch(events.map(requestEvent));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it.each(usageGroupings)('sums, counts errors and takes latency percentiles per %s, groups in byte order', async (groupBy) => {
    const expected = expectedUsage(events, groupBy);
    expect(expected.length).toBeGreaterThan(1);
    expectSameUsage(await database.queries.usage({ filter: {}, groupBy }), expected);
  });

  it('groups by UTC day, with a request a microsecond either side of midnight in its own day', async () => {
    const rows = await database.queries.usage({ filter: {}, groupBy: 'day' });
    expect(rows.map((row) => row.group)).toEqual(['2025-02-28', '2025-03-01', '2025-03-02', '2025-03-03']);
    expect(rows[0].requests).toBe(1);
  });

  it('orders groups by bytes, so upper case comes first', async () => {
    const rows = await database.queries.usage({ filter: {}, groupBy: 'workspace' });
    expect(rows.map((row) => row.group)).toEqual(['Zeta', 'acme', 'beta']);
  });

  const filters: Array<[string, RequestFilter]> = [
    ['a workspace and a time range', { workspace: 'acme', from: new Date('2025-03-01T06:00:00Z'), to: new Date('2025-03-02T18:00:00Z') }],
    ['a model, requested or served', { model: 'gpt-4o-mini' }],
    ['a provider', { provider: 'anthropic' }],
    ['failed requests only', { status: 'failed' }],
  ];

  it.each(filters)('applies the filter: %s', async (_, filter) => {
    for (const groupBy of ['model', 'day', 'key'] as const) {
      const expected = expectedUsage(events, groupBy, filter);
      expect(expected.length).toBeGreaterThan(0);
      expectSameUsage(await database.queries.usage({ filter, groupBy }), expected);
    }
  });

  it('counts every request of a failed-only filter as an error', async () => {
    const rows = await database.queries.usage({ filter: { status: 'failed' }, groupBy: 'provider' });
    for (const row of rows) {
      expect(row.errors).toBe(row.requests);
      expect(row.errorRate).toBe(1);
    }
  });

  it('returns no rows when nothing matches', async () => {
    expect(await database.queries.usage({ filter: { workspace: 'nobody' }, groupBy: 'model' })).toEqual([]);
  });

  it('rejects a grouping that does not exist', async () => {
    await expect(database.queries.usage({ filter: {}, groupBy: 'colour' as UsageGrouping })).rejects.toMatchObject({
      status: 400,
      param: 'group_by',
    });
  });
});
