import { create } from '@bufbuild/protobuf';
import { eventsV1 } from '@switchyard/proto';
import type { EventPublisher, SwitchyardEvent } from '@switchyard/events';
import type { RequestRecord } from '@switchyard/shared';
import { LiveTailHub } from './live-tail-hub';

function requestCompleted(requestId: string, workspace: string): SwitchyardEvent {
  return { kind: 'request-completed', event: create(eventsV1.RequestCompletedSchema, { requestId, workspace }) };
}

describe('LiveTailHub', () => {
  it('tells each watcher of the requests of its workspaces only', async () => {
    const hub = new LiveTailHub();
    const teamA: string[] = [];
    const everyone: string[] = [];
    hub.watch(['team-a'], (record) => teamA.push(record.requestId));
    hub.watch('all', (record) => everyone.push(record.requestId));
    await hub.writeBatch([requestCompleted('one', 'team-a'), requestCompleted('two', 'team-b'), requestCompleted('three', 'team-a')]);
    expect(teamA).toEqual(['one', 'three']);
    expect(everyone).toEqual(['one', 'two', 'three']);
  });

  it('ignores cost events and stops telling a watcher once it stops watching', async () => {
    const hub = new LiveTailHub();
    const seen: string[] = [];
    const stop = hub.watch('all', (record) => seen.push(record.requestId));
    await hub.writeBatch([{ kind: 'cost-recorded', event: create(eventsV1.CostRecordedSchema, { requestId: 'cost', workspace: 'w' }) }]);
    stop();
    await hub.writeBatch([requestCompleted('after', 'w')]);
    expect(seen).toEqual([]);
    expect(hub.watcherCount).toBe(0);
  });

  it('drops a watcher that throws, and still tells the others and resolves the batch', async () => {
    const hub = new LiveTailHub();
    const seen: string[] = [];
    hub.watch('all', () => {
      throw new Error('socket gone');
    });
    hub.watch('all', (record) => seen.push(record.requestId));
    await expect(hub.writeBatch([requestCompleted('one', 'w'), requestCompleted('two', 'w')])).resolves.toBeUndefined();
    expect(seen).toEqual(['one', 'two']);
    expect(hub.watcherCount).toBe(1);
  });

  it('taps a publisher: each event is published and told to the watchers', async () => {
    const published: SwitchyardEvent[] = [];
    let closed = false;
    const publisher: EventPublisher = {
      publish: (event) => published.push(event),
      close: async () => {
        closed = true;
      },
    };
    const hub = new LiveTailHub();
    const seen: RequestRecord[] = [];
    hub.watch(['w'], (record) => seen.push(record));
    const tapped = hub.tap(publisher);
    const event = requestCompleted('one', 'w');
    tapped.publish(event);
    expect(published).toEqual([event]);
    expect(seen.map((record) => record.requestId)).toEqual(['one']);
    await tapped.close();
    expect(closed).toBe(true);
  });
});
