import { create } from '@bufbuild/protobuf';
import { eventsV1 } from '@switchyard/proto';
import type { EventSink, SwitchyardEvent } from '@switchyard/events';
import { FanOutSink, SinkWriteError } from './fan-out-sink';

const events: SwitchyardEvent[] = [{ kind: 'request-completed', event: create(eventsV1.RequestCompletedSchema, { eventId: 'e1', workspace: 'w' }) }];

function recordingSink(name: string, calls: string[], failure?: Error): EventSink {
  return {
    name,
    async writeBatch(batch) {
      calls.push(`${name}:${batch.length}`);
      if (failure) throw failure;
    },
  };
}

describe('FanOutSink', () => {
  it('writes to every sink in order', async () => {
    const calls: string[] = [];
    const sink = new FanOutSink([recordingSink('postgres', calls), recordingSink('influxdb', calls)]);
    await sink.writeBatch(events);
    expect(calls).toEqual(['postgres:1', 'influxdb:1']);
    expect(sink.name).toBe('postgres+influxdb');
  });

  it('stops at the first failing sink and names it', async () => {
    const calls: string[] = [];
    const down = new Error('connection refused');
    const sink = new FanOutSink([recordingSink('postgres', calls, down), recordingSink('influxdb', calls)]);
    const failure = await sink.writeBatch(events).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SinkWriteError);
    expect(failure).toMatchObject({ sinkName: 'postgres', cause: down });
    expect(calls).toEqual(['postgres:1']);
  });

  it('does not call the sinks for an empty batch', async () => {
    const calls: string[] = [];
    await new FanOutSink([recordingSink('postgres', calls)]).writeBatch([]);
    expect(calls).toEqual([]);
  });
});
