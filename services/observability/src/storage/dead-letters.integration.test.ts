import { Registry } from 'prom-client';
import { decodeEvent, EventPublisherMetrics, InProcessEventBus, TOPICS, type SwitchyardEvent } from '@switchyard/events';
import { createLogger } from '@switchyard/shared';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from './__fixtures__/event-databases';
import { requestCompleted } from './__fixtures__/events';

jest.setTimeout(60_000);

const logger = createLogger('dead-letters-test', process.env.LOG_LEVEL ?? 'silent');

function request(eventId: string, fields: Parameters<typeof requestCompleted>[0] = {}): SwitchyardEvent {
  return { kind: 'request-completed', event: requestCompleted({ eventId, requestId: `req-${eventId}`, ...fields }) };
}

describe.each(DATABASE_KINDS)('the embedded writer on %s, with events the database refuses', (kind) => {
  let database: TestDatabase | undefined;
  let bus: InProcessEventBus | undefined;

  afterEach(async () => {
    await bus?.close();
    await database?.dispose();
    bus = undefined;
    database = undefined;
  });

  async function start() {
    database = await openTestDatabase(kind);
    const registry = new Registry();
    bus = new InProcessEventBus({
      logger,
      metrics: new EventPublisherMetrics(registry),
      deadLetters: database.deadLetters,
      lingerMs: 0,
      retryInitialMs: 5,
      retryMaxMs: 20,
      maxEventBytes: 100_000,
    });
    bus.subscribe(database.store);
    const recorded = async () =>
      (await database!.client.query<{ event_id: string }>('SELECT event_id FROM requests ORDER BY event_id')).map((row) => row.event_id);
    const deadLetters = async () =>
      database!.client.query<{ event_id: string; sink: string; event_type: string; payload: Uint8Array; reason: string; error: string }>(
        'SELECT event_id, sink, event_type, payload, reason, error FROM dead_letters ORDER BY event_id',
      );
    const deadLettered = async (reason: string) =>
      (await registry.getSingleMetric('switchyard_events_dead_lettered_total')!.get()).values.find(
        (value) => value.labels.reason === reason && value.labels.sink === 'postgres',
      )?.value ?? 0;
    return { bus, recorded, deadLetters, deadLettered };
  }

  it('writes the rest of the batch, dead-letters each poison event with its reason, and records what comes after', async () => {
    const { bus, recorded, deadLetters, deadLettered } = await start();
    const batch = [
      request('a-ok-1'),
      request('b-lone-surrogate', { metadata: { a: '\ud800' } }),
      request('c-ok-2'),
      // A NUL is no poison here: the rows keep U+FFFD in its place.
      request('d-nul', { user: 'al\u0000ice' }),
      // A lone low surrogate in a key, this time.
      request('e2-key-surrogate', { metadata: { 'k\udc00': 'v' } }),
      request('e-ok-3'),
      request('f-too-large', { user: 'u'.repeat(200_000) }),
      request('g-ok-4'),
    ];
    // One batch: published together, taken off the queue at once.
    for (const item of batch) bus.publish(item);
    await bus.flush();

    expect(await recorded()).toEqual(['a-ok-1', 'c-ok-2', 'd-nul', 'e-ok-3', 'g-ok-4']);
    const [nul] = await database!.client.query<{ user_id: string }>("SELECT user_id FROM requests WHERE event_id = 'd-nul'");
    expect(nul.user_id).toBe('al\ufffdice');
    const letters = await deadLetters();
    expect(letters.map(({ event_id, sink, reason }) => [event_id, sink, reason])).toEqual([
      ['b-lone-surrogate', 'postgres', 'data_exception'],
      ['e2-key-surrogate', 'postgres', 'data_exception'],
      ['f-too-large', 'postgres', 'event_too_large'],
    ]);
    expect(letters[0].error).toMatch(/json/i);
    expect(letters[1].error).toMatch(/json/i);
    expect(letters[2].error).toMatch(/over the limit of 100000/);
    // The bytes are the event as on Kafka (protobuf's UTF-8 holds the surrogate as U+FFFD).
    expect(letters[0].event_type).toBe('switchyard.events.v1.RequestCompleted');
    const decoded = decodeEvent(TOPICS.requestCompleted, letters[0].payload);
    expect(decoded.event.requestId).toBe('req-b-lone-surrogate');
    expect(decoded.kind === 'request-completed' && decoded.event.metadata).toEqual({ a: '\ufffd' });
    expect(await deadLettered('data_exception')).toBe(2);
    expect(await deadLettered('event_too_large')).toBe(1);

    // Nothing is stuck: an event published afterwards is written.
    bus.publish(request('h-after'));
    await bus.flush();
    expect(await recorded()).toEqual(['a-ok-1', 'c-ok-2', 'd-nul', 'e-ok-3', 'g-ok-4', 'h-after']);
  });

  it('bounds a batch in bytes: many large events are written in parts, none refused', async () => {
    const { bus, recorded, deadLetters } = await start();
    // 40 events of ~90 kB: 3.6 MB in all, written in parts of at most 4 MiB (about).
    const ids = Array.from({ length: 40 }, (_, index) => `large-${String(index).padStart(2, '0')}`);
    for (const id of ids) bus.publish(request(id, { user: 'x'.repeat(90_000) }));
    await bus.flush();
    expect(await recorded()).toEqual(ids);
    expect(await deadLetters()).toEqual([]);
  });
});
