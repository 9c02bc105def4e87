import type { CallContext } from '@switchyard/shared';
import { LocalObservabilityService } from './local-observability-service';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from './storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent, timestamp } from './storage/__fixtures__/events';

jest.setTimeout(60_000);

const context = (signal = new AbortController().signal): CallContext => ({ requestId: 'test-call', signal });

describe.each(DATABASE_KINDS)('LocalObservabilityService on %s', (kind) => {
  let database: TestDatabase;
  let service: LocalObservabilityService;
  const events = Array.from({ length: 5 }, (_, index) =>
    requestCompleted({
      eventId: `service-${index}`,
      requestId: `service-req-${index}`,
      occurredAt: timestamp(`2025-03-0${index + 1}T12:00:00.000001Z`),
      latencyMs: 100 * (index + 1),
    }),
  );

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.store.writeBatch(events.map(requestEvent));
    service = new LocalObservabilityService(database.client);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('lists requests newest first, a page at a time', async () => {
    const first = await service.listRequests({ filter: {}, limit: 3 }, context());
    expect(first.requests).toEqual([events[4], events[3], events[2]]);
    const second = await service.listRequests({ filter: {}, limit: 3, cursor: first.nextCursor }, context());
    expect(second).toEqual({ requests: [events[1], events[0]] });
  });

  it('finds a request by id', async () => {
    expect(await service.getRequest('service-req-2', context())).toEqual(events[2]);
    expect(await service.getRequest('missing', context())).toBeUndefined();
  });

  it('reports usage', async () => {
    const [row] = await service.usage({ filter: { workspace: 'acme' }, groupBy: 'workspace' }, context());
    expect(row).toMatchObject({ group: 'acme', requests: 5, errors: 0, errorRate: 0, latencyP50Ms: 300, latencyP95Ms: 480 });
  });

  it('answers nothing to a call that was already abandoned', async () => {
    const controller = new AbortController();
    controller.abort();
    const cancelled = { status: 499, errorClass: 'cancelled' };
    await expect(service.listRequests({ filter: {} }, context(controller.signal))).rejects.toMatchObject(cancelled);
    await expect(service.getRequest('service-req-2', context(controller.signal))).rejects.toMatchObject(cancelled);
    await expect(service.usage({ filter: {}, groupBy: 'day' }, context(controller.signal))).rejects.toMatchObject(cancelled);
  });
});
