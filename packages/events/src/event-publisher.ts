import type { SwitchyardEvent } from './switchyard-event';

/**
 * Where the gateway hands its events. `publish` never blocks and never
 * throws: an event is queued, and delivered (or spooled, or counted as
 * dropped) in the background.
 */
export interface EventPublisher {
  publish(event: SwitchyardEvent): void;
  /** Delivers or spools what is queued, then releases connections. */
  close(): Promise<void>;
}

/**
 * Where a consumer writes a batch of events. A batch is written whole or the
 * promise rejects; writing the same events again must not duplicate them
 * (delivery is at least once).
 */
export interface EventSink {
  readonly name: string;
  writeBatch(events: readonly SwitchyardEvent[]): Promise<void>;
}
