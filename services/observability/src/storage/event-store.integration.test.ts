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

  /** Rows of the workspace, and how many of them a CostRecorded re-priced. */
  async function rowCounts(workspace: string) {
    const [row] = await database.client.query<Record<'requests' | 'repriced', string | number>>(
      `SELECT count(*) AS requests, count(priced_at) AS repriced FROM requests WHERE workspace = $1`,
      [workspace],
    );
    return { requests: Number(row.requests), repriced: Number(row.repriced) };
  }

  /** Requests, and with `repricing` a later CostRecorded for each. */
  function batchOf(workspace: string, size: number, prefix = 'evt', repricing = false) {
    return Array.from({ length: size }, (_, index) => [
      requestEvent(requestCompleted({ workspace, eventId: `${workspace}-${prefix}-${index}`, requestId: `${workspace}-req-${index}` })),
      ...(repricing
        ? [
            costEvent(
              costRecorded({
                workspace,
                eventId: `${workspace}-${prefix}-cost-${index}`,
                requestId: `${workspace}-req-${index}`,
                occurredAt: timestamp('2025-03-02T00:00:00Z'),
              }),
            ),
          ]
        : []),
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

  it('re-prices a recorded request with a newer CostRecorded, in its own workspace only; an older or repeated one changes nothing', async () => {
    const workspace = nextWorkspace();
    const requestId = `${workspace}-priced`;
    await database.store.writeBatch([requestEvent(requestCompleted({ workspace, requestId, eventId: `${workspace}-request` }))]);
    const repricing = costRecorded({
      workspace,
      requestId,
      eventId: `${workspace}-cost-new`,
      occurredAt: timestamp('2025-03-05T00:00:00Z'),
      inputCostUsd: 0.25,
      outputCostUsd: 0.5,
      totalCostUsd: 0.75,
      priceSource: 'catalog',
    });
    const older = costRecorded({
      workspace,
      requestId,
      eventId: `${workspace}-cost-old`,
      occurredAt: timestamp('2025-03-04T00:00:00Z'),
      totalCostUsd: 9,
    });
    const elsewhere = costRecorded({ workspace: `${workspace}-other`, requestId, eventId: `${workspace}-cost-other`, totalCostUsd: 99 });

    await database.store.writeBatch([costEvent(repricing), costEvent(elsewhere)]);
    await database.store.writeBatch([costEvent(older), costEvent(repricing)]);

    const record = (await database.queries.getRequest(requestId))!;
    expect({ total: record.costUsd, input: record.inputCostUsd, output: record.outputCostUsd, source: record.priceSource }).toEqual({
      total: 0.75,
      input: 0.25,
      output: 0.5,
      source: 'catalog',
    });
    expect(await rowCounts(workspace)).toEqual({ requests: 1, repriced: 1 });
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

  it('writes a batch delivered twice, or partly again, once', async () => {
    const workspace = nextWorkspace();
    const batch = batchOf(workspace, 300);
    await database.store.writeBatch(batch);
    expect(await rowCounts(workspace)).toEqual({ requests: 300, repriced: 0 });

    await database.store.writeBatch(batch);
    expect(await rowCounts(workspace)).toEqual({ requests: 300, repriced: 0 });

    // Half redelivered, half new.
    await database.store.writeBatch([...batch.slice(150), ...batchOf(workspace, 100, 'later')]);
    expect(await rowCounts(workspace)).toEqual({ requests: 400, repriced: 0 });
  });

  it('writes an event that appears twice in one batch once, keeping the first', async () => {
    const workspace = nextWorkspace();
    const first = requestCompleted({ workspace, eventId: `${workspace}-twice`, requestId: `${workspace}-twice`, latencyMs: 1 });
    const again = requestCompleted({ workspace, eventId: `${workspace}-twice`, requestId: `${workspace}-twice`, latencyMs: 2 });
    await database.store.writeBatch([requestEvent(first), requestEvent(again)]);
    expect(await rowCounts(workspace)).toEqual({ requests: 1, repriced: 0 });
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
    for (const workspace of workspaces) expect(await rowCounts(workspace)).toEqual({ requests: 1000, repriced: 0 });
  });

  it('writes a batch whole or not at all', async () => {
    const workspace = nextWorkspace();
    // The database refuses to re-price this workspace's requests, which it does after inserting the
    // batch's requests in the same transaction: none of the batch may remain.
    const name = `refuse_repricing_${workspace.replace(/[^a-z0-9]/gi, '_')}`;
    await database.client.exec(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.workspace = '${workspace}' THEN RAISE EXCEPTION 'repricing refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER ${name} BEFORE UPDATE ON requests FOR EACH ROW EXECUTE FUNCTION ${name}();`);
    try {
      // The requests of the first batch are in; the second batch adds more and re-prices them all.
      await database.store.writeBatch(batchOf(workspace, 5));
      await expect(database.store.writeBatch(batchOf(workspace, 10, 'evt', true))).rejects.toThrow('repricing refused');
    } finally {
      await database.client.exec(`DROP TRIGGER ${name} ON requests; DROP FUNCTION ${name}();`);
    }
    expect(await rowCounts(workspace)).toEqual({ requests: 5, repriced: 0 });

    await database.store.writeBatch(batchOf(workspace, 10, 'evt', true));
    expect(await rowCounts(workspace)).toEqual({ requests: 10, repriced: 10 });
  });

  it('does nothing for an empty batch', async () => {
    await expect(database.store.writeBatch([])).resolves.toBeUndefined();
  });
});
