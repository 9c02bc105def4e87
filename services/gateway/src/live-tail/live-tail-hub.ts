import type { EventPublisher, EventSink, SwitchyardEvent } from '@switchyard/events';
import { scopeIncludes, type RequestRecord, type WorkspaceScope } from '@switchyard/shared';

/** Told of each recorded request of the workspaces it watches. */
export type LiveTailListener = (record: RequestRecord) => void;

interface Watcher {
  scope: WorkspaceScope;
  listener: LiveTailListener;
}

/**
 * Hands each recorded request to whoever watches its workspace (the live
 * tail's WebSockets). In one process it is a sink of the in-process bus, so
 * a request shows once it is delivered to the stores; a distributed gateway
 * `tap`s its own publisher, so it shows the requests that gateway recorded.
 *
 * Never fails and never waits: a listener that throws is dropped from the
 * batch, not retried, so the live tail cannot hold up the stores.
 */
export class LiveTailHub implements EventSink {
  readonly name = 'live-tail';
  private readonly watchers = new Set<Watcher>();

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Starts telling `listener` of requests in `scope`; returns what stops it. */
  watch(scope: WorkspaceScope, listener: LiveTailListener): () => void {
    const watcher = { scope, listener };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    this.deliver(events);
  }

  /** A publisher that also tells the watchers of each request it publishes. */
  tap(publisher: EventPublisher): EventPublisher {
    return {
      publish: (event) => {
        publisher.publish(event);
        this.deliver([event]);
      },
      close: () => publisher.close(),
    };
  }

  private deliver(events: readonly SwitchyardEvent[]): void {
    // Nobody watching is the common case: nothing to do.
    if (this.watchers.size === 0) return;
    for (const item of events) {
      if (item.kind !== 'request-completed') continue;
      for (const watcher of this.watchers) {
        if (!scopeIncludes(watcher.scope, item.event.workspace)) continue;
        try {
          watcher.listener(item.event);
        } catch {
          this.watchers.delete(watcher);
        }
      }
    }
  }
}
