import type { EventSink, SwitchyardEvent } from '@switchyard/events';

/** The error of a `FanOutSink` write: which sink failed, and why (`cause`). */
export class SinkWriteError extends Error {
  override readonly name = 'SinkWriteError';
  constructor(
    readonly sinkName: string,
    override readonly cause: unknown,
  ) {
    super(`Writing to ${sinkName} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Writes a batch to several sinks one after the other, in the order given
 * (e.g. Postgres, the record of truth, before InfluxDB), and fails with a
 * `SinkWriteError` naming the first sink that failed; the sinks after it are
 * not written. Because every sink is idempotent, the caller retries the whole
 * batch against all of them: a sink that already has it writes it again
 * without duplicating.
 *
 * Used by the Kafka consumer. (Embedded mode subscribes each sink to the
 * in-process bus on its own instead, which writes them side by side.)
 */
export class FanOutSink implements EventSink {
  readonly name: string;

  constructor(readonly sinks: readonly EventSink[]) {
    if (sinks.length === 0) throw new Error('FanOutSink needs at least one sink.');
    this.name = sinks.map((sink) => sink.name).join('+');
  }

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const sink of this.sinks) {
      try {
        await sink.writeBatch(events);
      } catch (error) {
        throw new SinkWriteError(sink.name, error);
      }
    }
  }
}
