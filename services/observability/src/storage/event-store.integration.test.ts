import { create, equals } from '@bufbuild/protobuf';
import { eventsV1 } from '@switchyard/proto';
import { PostgresEventStore } from './event-store';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from './__fixtures__/event-databases';
import { costEvent, costRecorded, requestCompleted, requestEvent, timestamp } from './__fixtures__/events';

jest.setTimeout(60_000);

const UINT32_MAX = 4_294_967_295;

describe.each(DATABASE_KINDS)('PostgresEventStore on %s', (kind) => {
  let database: TestDatabase;
  let workspaceNumber = 0;
  /** Each test writes to a workspace of its own, so counts are per test. */
  const nextWorkspace = () => `store-${++workspaceNumber}`;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  async function rowCounts(workspace: string) {
    const [row] = await database.client.query<Record<'requests' | 'usage' | 'costs', string | number>>(
      `SELECT (SELECT count(*) FROM requests WHERE workspace = $1) AS requests,
              (SELECT count(*) FROM usage WHERE workspace = $1) AS usage,
              (SELECT count(*) FROM costs WHERE workspace = $1) AS costs`,
      [workspace],
    );
    return { requests: Number(row.requests), usage: Number(row.usage), costs: Number(row.costs) };
  }

  function batchOf(workspace: string, size: number, prefix = 'evt') {
    return Array.from({ length: size }, (_, index) => [
      requestEvent(requestCompleted({ workspace, eventId: `${workspace}-${prefix}-${index}`, requestId: `${workspace}-req-${index}` })),
      costEvent(costRecorded({ workspace, eventId: `${workspace}-${prefix}-cost-${index}`, requestId: `${workspace}-req-${index}` })),
    ]).flat();
  }

  it('is the sink named postgres', () => {
    expect(database.store.name).toBe('postgres');
  });

  it('restores every field of a RequestCompleted exactly', async () => {
    const workspace = nextWorkspace();
    const full = requestCompleted({ workspace, eventId: `${workspace}-full`, requestId: `${workspace}-full` });
    const edges = requestCompleted({
      workspace,
      eventId: `${workspace}-edges`,
      requestId: `${workspace}-edges`,
      occurredAt: timestamp('1999-12-31T23:59:59.999999Z'),
      operation: eventsV1.Operation.EMBEDDING,
      status: eventsV1.RequestStatus.CANCELLED,
      cacheStatus: eventsV1.CacheStatus.SEMANTIC_HIT,
      attempts: UINT32_MAX,
      httpStatus: UINT32_MAX,
      tokens: { input: UINT32_MAX, output: UINT32_MAX - 1, cachedInput: 1, cacheWrite: 0, reasoning: UINT32_MAX },
      latencyMs: 0.1 + 0.2,
      timeToFirstTokenMs: 1e-300,
      costUsd: 123_456.789_012_345_67,
      errorClass: 'rate_limit_error',
      errorMessage: 'Rate limit reached: "quotes", \\backslashes\\, {braces}, 日本語 and 🚀',
      metadata: { 'key with spaces': 'value "quoted"', emoji: '🚀', empty: '', 'braces{}': '[1,2]' },
      streamed: false,
    });
    const zero = create(eventsV1.RequestCompletedSchema, {
      eventId: `${workspace}-zero`,
      requestId: `${workspace}-zero`,
      workspace,
      occurredAt: timestamp('2025-03-01T00:00:00Z'),
    });
    const unknownEnums = requestCompleted({
      workspace,
      eventId: `${workspace}-future`,
      requestId: `${workspace}-future`,
      status: 7 as eventsV1.RequestStatus,
      operation: 9 as eventsV1.Operation,
      cacheStatus: 12 as eventsV1.CacheStatus,
    });
    const originals = [full, edges, zero, unknownEnums];
    await database.store.writeBatch(originals.map(requestEvent));

    for (const original of originals) {
      const restored = await database.queries.getRequest(original.requestId);
      expect(restored).toEqual(original);
      expect(equals(eventsV1.RequestCompletedSchema, restored!, original)).toBe(true);
    }
    // Absent token counts stay absent rather than becoming zeros.
    expect((await database.queries.getRequest(`${workspace}-zero`))!.tokens).toBeUndefined();
  });

  it('restores every field of a CostRecorded exactly, absent tokens included', async () => {
    const workspace = nextWorkspace();
    const requestId = `${workspace}-request`;
    const full = costRecorded({ workspace, requestId, eventId: `${workspace}-cost-a`, occurredAt: timestamp('2025-03-01T12:00:00.000001Z') });
    const withoutTokens = create(eventsV1.CostRecordedSchema, {
      eventId: `${workspace}-cost-b`,
      occurredAt: timestamp('2025-03-01T12:00:00.000002Z'),
      requestId,
      workspace,
      totalCostUsd: 0.1 + 0.2,
      priceSource: 'config',
    });
    await database.store.writeBatch([costEvent(withoutTokens), costEvent(full)]);

    expect(await database.queries.listCosts(requestId)).toEqual([full, withoutTokens]);
  });

  it('keeps times to the microsecond and drops the nanoseconds beyond', async () => {
    const workspace = nextWorkspace();
    const event = requestCompleted({
      workspace,
      eventId: `${workspace}-nanos`,
      requestId: `${workspace}-nanos`,
      occurredAt: timestamp('2025-03-01T12:00:00.123456789Z'),
    });
    await database.store.writeBatch([requestEvent(event)]);
    expect((await database.queries.getRequest(event.requestId))!.occurredAt).toEqual(timestamp('2025-03-01T12:00:00.123456Z'));
  });

  it('stores U+0000, which Postgres text cannot hold, as U+FFFD', async () => {
    const workspace = nextWorkspace();
    const event = requestCompleted({
      workspace,
      eventId: `${workspace}-nul`,
      requestId: `${workspace}-nul`,
      errorMessage: 'before\u0000after',
      metadata: { 'k\u0000': 'v\u0000' },
    });
    await database.store.writeBatch([requestEvent(event)]);
    const restored = await database.queries.getRequest(event.requestId);
    expect(restored!.errorMessage).toBe('before\uFFFDafter');
    expect(restored!.metadata).toEqual({ 'k\uFFFD': 'v\uFFFD' });
  });

  it('writes a usage row per request: served model (else requested), token counts (else zeros)', async () => {
    const workspace = nextWorkspace();
    const served = requestCompleted({ workspace, eventId: `${workspace}-served`, requestId: `${workspace}-served` });
    const unserved = requestCompleted({
      workspace,
      eventId: `${workspace}-unserved`,
      requestId: `${workspace}-unserved`,
      servedModel: '',
      requestedModel: 'claude-sonnet',
      tokens: undefined,
    });
    await database.store.writeBatch([requestEvent(served), requestEvent(unserved)]);

    const rows = await database.client.query(
      `SELECT event_id, request_id, occurred_at, workspace, key_id, user_id, provider, model,
              input_tokens::float8 AS input_tokens, output_tokens::float8 AS output_tokens,
              cached_input_tokens::float8 AS cached_input_tokens, cache_write_tokens::float8 AS cache_write_tokens,
              reasoning_tokens::float8 AS reasoning_tokens
       FROM usage WHERE workspace = $1 ORDER BY event_id COLLATE "C"`,
      [workspace],
    );
    const common = { workspace, occurred_at: new Date('2025-03-01T12:00:00.123Z'), key_id: 'key-1', user_id: 'user-1', provider: 'openai' };
    expect(rows).toEqual([
      {
        ...common,
        event_id: served.eventId,
        request_id: served.requestId,
        model: 'gpt-4o-mini-2024-07-18',
        input_tokens: 1200,
        output_tokens: 350,
        cached_input_tokens: 1024,
        cache_write_tokens: 64,
        reasoning_tokens: 128,
      },
      {
        ...common,
        event_id: unserved.eventId,
        request_id: unserved.requestId,
        model: 'claude-sonnet',
        input_tokens: 0,
        output_tokens: 0,
        cached_input_tokens: 0,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
      },
    ]);
  });

  it('writes a batch delivered twice, or partly again, once', async () => {
    const workspace = nextWorkspace();
    const batch = batchOf(workspace, 300);
    await database.store.writeBatch(batch);
    expect(await rowCounts(workspace)).toEqual({ requests: 300, usage: 300, costs: 300 });

    await database.store.writeBatch(batch);
    expect(await rowCounts(workspace)).toEqual({ requests: 300, usage: 300, costs: 300 });

    // Half redelivered, half new.
    await database.store.writeBatch([...batch.slice(300), ...batchOf(workspace, 100, 'later')]);
    expect(await rowCounts(workspace)).toEqual({ requests: 400, usage: 400, costs: 400 });
  });

  it('writes an event that appears twice in one batch once, keeping the first', async () => {
    const workspace = nextWorkspace();
    const first = requestCompleted({ workspace, eventId: `${workspace}-twice`, requestId: `${workspace}-twice`, latencyMs: 1 });
    const again = requestCompleted({ workspace, eventId: `${workspace}-twice`, requestId: `${workspace}-twice`, latencyMs: 2 });
    await database.store.writeBatch([requestEvent(first), requestEvent(again)]);
    expect(await rowCounts(workspace)).toEqual({ requests: 1, usage: 1, costs: 0 });
    expect((await database.queries.getRequest(first.requestId))!.latencyMs).toBe(1);
  });

  it('lets two writers store the same new events at the same time, in opposite orders, without duplicates or deadlocks', async () => {
    const other = new PostgresEventStore(database.openAnotherClient());
    const workspaces: string[] = [];
    // Several rounds, each with events neither writer has stored yet, so their inserts contend for the same keys.
    for (let round = 0; round < 8; round++) {
      const workspace = nextWorkspace();
      workspaces.push(workspace);
      const batch = batchOf(workspace, 1000);
      await Promise.all([database.store.writeBatch(batch), other.writeBatch([...batch].reverse())]);
    }
    for (const workspace of workspaces) expect(await rowCounts(workspace)).toEqual({ requests: 1000, usage: 1000, costs: 1000 });
  });

  it('writes a batch whole or not at all', async () => {
    const workspace = nextWorkspace();
    // The database refuses this workspace's cost rows, which it inserts after the requests and
    // usage rows of the same statement: none of the batch may remain.
    const name = `refuse_costs_${workspace.replace(/[^a-z0-9]/gi, '_')}`;
    await database.client.exec(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.workspace = '${workspace}' THEN RAISE EXCEPTION 'cost refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER ${name} BEFORE INSERT ON costs FOR EACH ROW EXECUTE FUNCTION ${name}();`);
    try {
      await expect(database.store.writeBatch(batchOf(workspace, 10))).rejects.toThrow('cost refused');
    } finally {
      await database.client.exec(`DROP TRIGGER ${name} ON costs; DROP FUNCTION ${name}();`);
    }
    expect(await rowCounts(workspace)).toEqual({ requests: 0, usage: 0, costs: 0 });

    await database.store.writeBatch(batchOf(workspace, 10));
    expect(await rowCounts(workspace)).toEqual({ requests: 10, usage: 10, costs: 10 });
  });

  it('does nothing for an empty batch', async () => {
    await expect(database.store.writeBatch([])).resolves.toBeUndefined();
  });
});
