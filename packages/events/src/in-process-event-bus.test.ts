import { Registry } from 'prom-client';
import type { EventSink } from './event-publisher';
import { InProcessEventBus, type InProcessEventBusOptions } from './in-process-event-bus';
import { EventPublisherMetrics } from './publisher-metrics';
import type { SwitchyardEvent } from './switchyard-event';
import { TOPICS } from './topics';
import { capturingLogger, eventIdOf, metricValue, sampleEvents, waitFor } from './__fixtures__/sample-events';

/** A sink that keeps every batch it wrote; `failures` makes its first calls reject. */
function recordingSink(name: string, failures = 0) {
  const batches: string[][] = [];
  let calls = 0;
  const sink: EventSink & { batches: string[][]; calls: () => number; ids: () => string[] } = {
    name,
    batches,
    calls: () => calls,
    ids: () => batches.flat(),
    writeBatch: async (events: readonly SwitchyardEvent[]) => {
      calls++;
      if (calls <= failures) throw new Error(`${name} is unavailable (call ${calls})`);
      batches.push(events.map(eventIdOf));
    },
  };
  return sink;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function bus(options: Partial<InProcessEventBusOptions> = {}) {
  const { logger, lines } = capturingLogger();
  const registry = new Registry();
  const metrics = new EventPublisherMetrics(registry);
  const eventBus = new InProcessEventBus({ logger, metrics, retryInitialMs: 5, retryMaxMs: 20, ...options });
  return { eventBus, registry, lines };
}

const ids = (count: number, run = 'run') => Array.from({ length: count }, (_, index) => `${run}-${index}`);

describe('InProcessEventBus', () => {
  it('delivers every event once, in publish order, in batches of at most batchMaxEvents', async () => {
    const { eventBus, registry } = bus({ batchMaxEvents: 100 });
    const sink = recordingSink('warehouse');
    eventBus.subscribe(sink);

    for (const event of sampleEvents('run', 1000)) eventBus.publish(event);
    await eventBus.flush();

    expect(sink.ids()).toEqual(ids(1000));
    // All 1,000 were queued before the loop ran, so they went out as ten full batches.
    expect(sink.batches.map((batch) => batch.length)).toEqual(Array(10).fill(100));
    expect(await metricValue(registry, 'switchyard_events_published_total', { topic: TOPICS.requestCompleted })).toBe(500);
    expect(await metricValue(registry, 'switchyard_events_published_total', { topic: TOPICS.costRecorded })).toBe(500);
    expect(await metricValue(registry, 'switchyard_events_queue_depth')).toBe(0);
    await eventBus.close();
  });

  it('lingers for more events before delivering a batch that is not full', async () => {
    // The second event comes one turn of the event loop after the first, far inside the linger.
    const lingering = bus({ lingerMs: 1_000 });
    const together = recordingSink('together');
    lingering.eventBus.subscribe(together);
    const [first, second] = sampleEvents('run', 2);
    lingering.eventBus.publish(first);
    await new Promise((resolve) => setImmediate(resolve));
    lingering.eventBus.publish(second);
    await lingering.eventBus.flush();
    expect(together.batches).toEqual([['run-0', 'run-1']]);
    await lingering.eventBus.close();

    const eager = bus({ lingerMs: 0 });
    const apart = recordingSink('apart');
    eager.eventBus.subscribe(apart);
    eager.eventBus.publish(first);
    await waitFor(() => apart.batches.length === 1, 10_000, 'the first batch');
    eager.eventBus.publish(second);
    await eager.eventBus.flush();
    expect(apart.batches).toEqual([['run-0'], ['run-1']]);
    await eager.eventBus.close();
  });

  it('retries a failing sink with the same batch: after two failures everything arrives once, in order', async () => {
    const { eventBus, lines } = bus({ batchMaxEvents: 10 });
    const flaky = recordingSink('flaky', 2);
    const healthy = recordingSink('healthy');
    eventBus.subscribe(flaky);
    eventBus.subscribe(healthy);

    for (const event of sampleEvents('run', 50)) eventBus.publish(event);
    await eventBus.flush();

    expect(flaky.ids()).toEqual(ids(50));
    expect(flaky.calls()).toBe(5 + 2);
    // The healthy sink is not called again while the other one retries.
    expect(healthy.ids()).toEqual(ids(50));
    expect(healthy.calls()).toBe(5);
    const failures = lines.filter((line) => line.msg === 'event-sink-write-failed');
    expect(failures.map((line) => [line.sink, line.attempt, line.level])).toEqual([
      ['flaky', 1, 40],
      ['flaky', 2, 40],
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'event-sink-recovered', sink: 'flaky', attempts: 3 }));
    await eventBus.close();
  });

  it('keeps publishing order across batches while a sink is failing', async () => {
    const { eventBus } = bus({ batchMaxEvents: 3, lingerMs: 0 });
    const flaky = recordingSink('flaky', 4);
    eventBus.subscribe(flaky);
    const events = sampleEvents('run', 20);
    for (const event of events.slice(0, 5)) eventBus.publish(event);
    // More events arrive while the first batch is being retried.
    await waitFor(() => flaky.calls() >= 1, 10_000, 'the first failed write');
    for (const event of events.slice(5)) eventBus.publish(event);
    await eventBus.flush();
    expect(flaky.ids()).toEqual(ids(20));
    await eventBus.close();
  });

  it('flush waits for the sinks to finish writing what was published before it', async () => {
    const { eventBus } = bus();
    const writing = gate();
    const written: string[] = [];
    let writeStarted = false;
    eventBus.subscribe({
      name: 'slow',
      writeBatch: async (events) => {
        writeStarted = true;
        await writing.opened;
        written.push(...events.map(eventIdOf));
      },
    });
    for (const event of sampleEvents('run', 3)) eventBus.publish(event);
    let flushed = false;
    const flushing = eventBus.flush().then(() => (flushed = true));
    await waitFor(() => writeStarted, 10_000, 'the write to start');
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    writing.open();
    await flushing;
    expect(written).toEqual(ids(3));
    await eventBus.close();
  });

  it('drops events published while the queue is full, counts them, and logs at error level', async () => {
    const { eventBus, registry, lines } = bus({ queueCapacity: 10 });
    const writing = gate();
    eventBus.subscribe({ name: 'stuck', writeBatch: () => writing.opened });

    const events = sampleEvents('run', 25);
    for (const event of events) eventBus.publish(event);
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'queue_full' })).toBe(15);
    expect(await metricValue(registry, 'switchyard_events_queue_depth')).toBe(10);
    // The first drop is logged at once; the rest are summed into later lines.
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'events-dropped', level: 50, reason: 'queue_full', dropped: 1 }));

    writing.open();
    await eventBus.close();
    const logged = lines.filter((line) => line.msg === 'events-dropped').reduce((sum, line) => sum + (line.dropped as number), 0);
    expect(logged).toBe(15);
  });

  it('close delivers what is queued, then drops what is published after it', async () => {
    const { eventBus, registry } = bus({ lingerMs: 50 });
    const sink = recordingSink('sink');
    eventBus.subscribe(sink);
    const events = sampleEvents('run', 4);
    for (const event of events.slice(0, 3)) eventBus.publish(event);
    await eventBus.close();
    expect(sink.ids()).toEqual(ids(3));

    eventBus.publish(events[3]);
    // A turn of the event loop, in which a bus that still delivered would hand it over.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.ids()).toEqual(ids(3));
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'closed' })).toBe(1);
  });

  it('close gives up on a sink that keeps failing after closeTimeoutMs, counting what it could not deliver', async () => {
    const { eventBus, registry, lines } = bus({ closeTimeoutMs: 200, batchMaxEvents: 5 });
    eventBus.subscribe(recordingSink('broken', Number.POSITIVE_INFINITY));
    for (const event of sampleEvents('run', 12)) eventBus.publish(event);
    // Resolving at all is the point (a close that waited on the sink would never end).
    await eventBus.close();
    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'undelivered_at_close' })).toBe(12);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'events-dropped', level: 50, reason: 'undelivered_at_close' }));
    // flush does not hang on events given up on.
    await eventBus.flush();
  });

  it('keeps every sink independent: one that fails holds up only itself, then catches up with nothing lost or repeated', async () => {
    const { eventBus } = bus({ batchMaxEvents: 10, lingerMs: 0 });
    const records = recordingSink('postgres');
    let influxUp = false;
    const influx = recordingSink('influxdb');
    const influxCalls = { failed: 0 };
    eventBus.subscribe(records);
    eventBus.subscribe({
      name: influx.name,
      writeBatch: async (events) => {
        if (!influxUp) {
          influxCalls.failed++;
          throw new Error('influxdb is down');
        }
        await influx.writeBatch(events);
      },
    });

    for (const event of sampleEvents('run', 30)) eventBus.publish(event);
    // The records arrive while the other sink keeps failing.
    await waitFor(() => records.ids().length === 30, 10_000, 'the records');
    expect(records.ids()).toEqual(ids(30));
    expect(influx.ids()).toEqual([]);
    await waitFor(() => influxCalls.failed >= 2, 10_000, 'two failed writes');

    influxUp = true;
    await eventBus.flush();
    expect(influx.ids()).toEqual(ids(30));
    expect(records.ids()).toEqual(ids(30));
    await eventBus.close();
  });

  it('drops for a full sink alone, naming it, while the other sinks get every event', async () => {
    const { eventBus, registry, lines } = bus({ queueCapacity: 5, lingerMs: 0 });
    const writing = gate();
    const healthy = recordingSink('postgres');
    eventBus.subscribe(healthy);
    eventBus.subscribe({ name: 'stuck', writeBatch: () => writing.opened });

    for (const event of sampleEvents('run', 5)) eventBus.publish(event);
    await waitFor(() => healthy.ids().length === 5, 10_000, 'five events');
    // The stuck sink holds one batch in writing and fills its queue behind it; the healthy one keeps
    // its queue empty (each event is published once it has written the one before).
    for (const [index, event] of sampleEvents('more', 8).entries()) {
      eventBus.publish(event);
      await waitFor(() => healthy.ids().length === 6 + index, 10_000, `event ${6 + index}`);
    }

    expect(await metricValue(registry, 'switchyard_events_dropped_total', { reason: 'queue_full' })).toBe(3);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'events-dropped', reason: 'queue_full', sink: 'stuck' }));
    expect(healthy.ids()).toEqual([...ids(5), ...ids(8, 'more')]);
    writing.open();
    await eventBus.close();
  });
});
