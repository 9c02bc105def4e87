import { eventsV1 } from '@switchyard/proto';
import { GatewayError, type ListRequestsQuery, type RequestFilter, type RequestRecord } from '@switchyard/shared';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { MAX_PAGE_BYTES } from './request-queries';
import { micros, requestCompleted, requestEvent, seededRandom, timestamp } from '../storage/__fixtures__/events';

jest.setTimeout(60_000);

const STATUSES = [eventsV1.RequestStatus.SUCCEEDED, eventsV1.RequestStatus.FAILED, eventsV1.RequestStatus.CANCELLED];
const STATUS_NAMES = {
  [eventsV1.RequestStatus.SUCCEEDED]: 'succeeded',
  [eventsV1.RequestStatus.FAILED]: 'failed',
  [eventsV1.RequestStatus.CANCELLED]: 'cancelled',
} as Record<number, string>;
const BASE_SECONDS = Date.parse('2025-03-01T00:00:00Z') / 1000;

/**
 * 240 requests over three workspaces. Every four share the same time to the
 * microsecond (ties broken by event id), and event ids are not in time order.
 */
function dataSet(): RequestRecord[] {
  const random = seededRandom(7);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  return Array.from({ length: 240 }, (_, index) => {
    const tick = Math.floor(index / 4);
    const requestedModel = pick(['fast', 'smart', 'gpt-4o-mini']);
    return requestCompleted({
      eventId: `evt-${String(Math.floor(random() * 1e9)).padStart(9, '0')}-${index}`,
      requestId: `req-${index}`,
      occurredAt: timestamp(new Date((BASE_SECONDS + tick * 60) * 1000).toISOString().replace('.000Z', `.${String(tick * 1001).padStart(6, '0')}Z`)),
      workspace: pick(['acme', 'globex', 'initech']),
      requestedModel,
      // A route alias is served by a concrete model; a concrete name by itself; sometimes nothing is reported.
      servedModel: requestedModel === 'gpt-4o-mini' ? 'gpt-4o-mini' : pick(['gpt-4o-mini', 'claude-sonnet-4', '']),
      provider: pick(['openai', 'anthropic']),
      status: pick(STATUSES),
    });
  });
}

/** What the query should return, computed from the events themselves. */
function expected(events: readonly RequestRecord[], filter: RequestFilter): RequestRecord[] {
  const fromMicros = filter.from === undefined ? undefined : BigInt(filter.from.getTime()) * 1000n;
  const toMicros = filter.to === undefined ? undefined : BigInt(filter.to.getTime()) * 1000n;
  return events
    .filter((event) => fromMicros === undefined || micros(event.occurredAt) >= fromMicros)
    .filter((event) => toMicros === undefined || micros(event.occurredAt) < toMicros)
    .filter((event) => filter.workspace === undefined || event.workspace === filter.workspace)
    .filter((event) => filter.model === undefined || event.requestedModel === filter.model || event.servedModel === filter.model)
    .filter((event) => filter.provider === undefined || event.provider === filter.provider)
    .filter((event) => filter.status === undefined || STATUS_NAMES[event.status] === filter.status)
    .sort((a, b) => {
      const byTime = micros(b.occurredAt) - micros(a.occurredAt);
      if (byTime !== 0n) return byTime > 0n ? 1 : -1;
      return Buffer.compare(Buffer.from(b.eventId), Buffer.from(a.eventId));
    });
}

describe.each(DATABASE_KINDS)('request queries on %s', (kind) => {
  let database: TestDatabase;
  const events = dataSet();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.store.writeBatch(events.map(requestEvent));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  /** Every page, following nextCursor until there is none. */
  async function allPages(query: ListRequestsQuery): Promise<RequestRecord[][]> {
    const pages: RequestRecord[][] = [];
    let cursor = query.cursor;
    do {
      const page = await database.queries.listRequests({ ...query, cursor });
      pages.push(page.requests);
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThan(1000);
    } while (cursor !== undefined);
    return pages;
  }

  it('walks every request, newest first, in pages with no gaps and no repeats, ties on the time included', async () => {
    const pages = await allPages({ filter: {}, limit: 7 });
    const all = expected(events, {});

    expect(pages.flat()).toEqual(all);
    expect(pages.map((page) => page.length)).toEqual([...Array<number>(34).fill(7), 2]);
    expect(new Set(pages.flat().map((event) => event.eventId)).size).toBe(events.length);
  });

  it('ends with a full last page without a next cursor', async () => {
    const pages = await allPages({ filter: {}, limit: 8 });
    expect(pages.map((page) => page.length)).toEqual(Array<number>(30).fill(8));
    expect(pages.flat()).toEqual(expected(events, {}));
  });

  const middle = new Date((BASE_SECONDS + 20 * 60) * 1000 + 20.02);
  const filters: Array<[string, RequestFilter]> = [
    ['from', { from: new Date((BASE_SECONDS + 10 * 60) * 1000 + 10.01) }],
    ['to (exclusive)', { to: middle }],
    ['from and to', { from: new Date((BASE_SECONDS + 5 * 60) * 1000), to: middle }],
    ['workspace', { workspace: 'globex' }],
    ['model, matching the requested model (an alias)', { model: 'smart' }],
    ['model, matching the served model', { model: 'claude-sonnet-4' }],
    ['model, matching either', { model: 'gpt-4o-mini' }],
    ['provider', { provider: 'anthropic' }],
    ['status succeeded', { status: 'succeeded' }],
    ['status failed', { status: 'failed' }],
    ['status cancelled', { status: 'cancelled' }],
    ['all of them at once', { workspace: 'acme', model: 'gpt-4o-mini', provider: 'openai', status: 'succeeded', to: middle }],
    ['nothing matching', { workspace: 'nobody' }],
  ];

  it.each(filters)('filters by %s', async (_, filter) => {
    const want = expected(events, filter);
    if (filter.workspace !== 'nobody') expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(events.length);
    expect((await allPages({ filter, limit: 1000 })).flat()).toEqual(want);
    expect((await allPages({ filter, limit: 3 })).flat()).toEqual(want);
  });

  it('includes a request at exactly `from` and leaves out one at exactly `to`', async () => {
    // The first four requests share a time that is a whole second.
    const at = new Date(Number(micros(events[0].occurredAt) / 1000n));
    const tied = events.slice(0, 4).map((event) => event.eventId);
    expect(micros(events[0].occurredAt)).toBe(BigInt(at.getTime()) * 1000n);

    const fromAt = await database.queries.listRequests({ filter: { from: at, to: new Date(at.getTime() + 1) }, limit: 1000 });
    expect(fromAt.requests.map((event) => event.eventId).sort()).toEqual([...tied].sort());
    const toAt = await database.queries.listRequests({ filter: { to: at }, limit: 1000 });
    expect(toAt.requests).toEqual(expected(events, { to: at }));
    expect(toAt.requests.map((event) => event.eventId)).not.toContain(tied[0]);
  });

  it('returns 50 requests by default, and up to 1000', async () => {
    const first = await database.queries.listRequests({ filter: {} });
    expect(first.requests).toEqual(expected(events, {}).slice(0, 50));
    expect(first.nextCursor).toEqual(expect.any(String));

    const everything = await database.queries.listRequests({ filter: {}, limit: 1000 });
    expect(everything.requests).toHaveLength(events.length);
    expect(everything.nextCursor).toBeUndefined();
  });

  it.each([0, -1, 1001, 2.5, Number.NaN])('rejects limit %p', async (limit) => {
    await expect(database.queries.listRequests({ filter: {}, limit })).rejects.toMatchObject({ status: 400, param: 'limit' });
  });

  const badCursors: Array<[string, string]> = [
    ['not base64url', 'not a cursor!'],
    ['not JSON', Buffer.from('{{{').toString('base64url')],
    ['the wrong shape', Buffer.from(JSON.stringify({ t: 1, e: 'x' })).toString('base64url')],
    ['a number for the time', Buffer.from(JSON.stringify([1, 'evt'])).toString('base64url')],
    ['a time out of range', Buffer.from(JSON.stringify(['999999999999999999', 'evt'])).toString('base64url')],
    ['padding', `${Buffer.from(JSON.stringify(['1', 'evt'])).toString('base64url')}=`],
    ['empty', ''],
  ];

  it.each(badCursors)('rejects a cursor that is %s as an invalid request on `cursor`', async (_, cursor) => {
    const failure = database.queries.listRequests({ filter: {}, cursor });
    await expect(failure).rejects.toBeInstanceOf(GatewayError);
    await expect(failure).rejects.toMatchObject({ status: 400, errorClass: 'invalid_request', param: 'cursor' });
  });

  it('rejects a status that does not exist, and a time that is not one', async () => {
    await expect(database.queries.listRequests({ filter: { status: 'lost' as RequestFilter['status'] } })).rejects.toMatchObject({
      status: 400,
      param: 'status',
    });
    await expect(database.queries.listRequests({ filter: { from: new Date(Number.NaN) } })).rejects.toMatchObject({ status: 400, param: 'from' });
    await expect(database.queries.listRequests({ filter: { to: new Date(8.64e15) } })).rejects.toMatchObject({ status: 400, param: 'to' });
  });

  it('finds a request by id, the latest of its events, or nothing', async () => {
    expect(await database.queries.getRequest('req-17')).toEqual(events[17]);
    expect(await database.queries.getRequest('req-unknown')).toBeUndefined();

    const workspace = 'redelivered';
    const earlier = requestCompleted({
      workspace,
      eventId: 'evt-z-earlier',
      requestId: 'req-retried',
      occurredAt: timestamp('2025-02-01T00:00:00Z'),
    });
    const latest = requestCompleted({ workspace, eventId: 'evt-a-latest', requestId: 'req-retried', occurredAt: timestamp('2025-02-01T00:00:01Z') });
    const tiedLater = requestCompleted({ workspace, eventId: 'evt-b-tied', requestId: 'req-tied', occurredAt: timestamp('2025-02-01T00:00:00Z') });
    const tiedEarlier = requestCompleted({ workspace, eventId: 'evt-a-tied', requestId: 'req-tied', occurredAt: timestamp('2025-02-01T00:00:00Z') });
    await database.store.writeBatch([earlier, latest, tiedLater, tiedEarlier].map(requestEvent));
    events.push(earlier, latest, tiedLater, tiedEarlier);

    expect(await database.queries.getRequest('req-retried')).toEqual(latest);
    expect(await database.queries.getRequest('req-tied')).toEqual(tiedLater);
  });

  it('keeps later pages as they were when newer requests arrive between pages', async () => {
    const filter = { workspace: 'initech' };
    const before = expected(events, filter);
    const first = await database.queries.listRequests({ filter, limit: 10 });
    expect(first.requests).toEqual(before.slice(0, 10));

    const newer = Array.from({ length: 5 }, (_, index) =>
      requestCompleted({
        workspace: 'initech',
        eventId: `evt-newer-${index}`,
        requestId: `req-newer-${index}`,
        occurredAt: timestamp('2026-01-01T00:00:00Z'),
      }),
    );
    await database.store.writeBatch(newer.map(requestEvent));
    events.push(...newer);

    const rest = (await allPages({ filter, limit: 10, cursor: first.nextCursor })).flat();
    expect(rest).toEqual(before.slice(10));
  });
});

describe.each(DATABASE_KINDS)('pages of large records on %s', (kind) => {
  let database: TestDatabase;
  // 30 records of 300 kB each: 9 MB in all, far over one page's byte bound.
  const events = Array.from({ length: 30 }, (_, index) =>
    requestCompleted({
      eventId: `evt-large-${String(index).padStart(2, '0')}`,
      requestId: `req-large-${index}`,
      occurredAt: timestamp(new Date((BASE_SECONDS + index) * 1000).toISOString()),
      workspace: 'bulky',
      user: String(index).padEnd(300_000, 'u'),
    }),
  );

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.store.writeBatch(events.map(requestEvent));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('ends a page once it passes MAX_PAGE_BYTES, with a cursor that walks every record exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await database.queries.listRequests({ filter: { workspace: 'bulky' }, limit: 1000, cursor });
      const bytes = page.requests.reduce((sum, record) => sum + record.user.length, 0);
      expect(bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      expect(page.requests.length).toBeGreaterThan(0);
      seen.push(...page.requests.map((record) => record.requestId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(events.map((event) => event.requestId).reverse());
  });

  it('always returns at least one record, even one larger than a page', async () => {
    const huge = requestCompleted({
      eventId: 'evt-huge',
      requestId: 'req-huge',
      occurredAt: timestamp('2030-01-01T00:00:00Z'),
      workspace: 'huge',
      user: 'h'.repeat(MAX_PAGE_BYTES + 1),
    });
    await database.store.writeBatch([requestEvent(huge)]);
    const page = await database.queries.listRequests({ filter: { workspace: 'huge' } });
    expect(page.requests.map((record) => record.requestId)).toEqual(['req-huge']);
    expect(page.nextCursor).toBeUndefined();
  });
});
