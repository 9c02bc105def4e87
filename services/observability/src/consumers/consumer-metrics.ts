import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/**
 * Prometheus metrics of the event consumers, named
 * `switchyard_observability_<thing>_<unit>`. Several consumers may share one
 * registry: a metric already registered under the same name is reused.
 */
export class ConsumerMetrics {
  readonly eventsConsumed: Counter<'topic' | 'sink'>;
  readonly batchesWritten: Counter<'topic' | 'sink'>;
  readonly writeFailures: Counter<'sink'>;
  readonly deadLettered: Counter<'topic' | 'reason'>;
  readonly eventsDeadLettered: Counter<'reason' | 'sink'>;
  readonly consumerLag: Gauge<'topic' | 'partition' | 'sink'>;
  readonly batchWriteDuration: Histogram<'topic' | 'sink'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.eventsConsumed = reuse(
      registry,
      'switchyard_observability_events_consumed_total',
      (name) =>
        new Counter({
          name,
          help: 'Events written and committed, by topic and sink (each sink consumes in its own group).',
          labelNames: ['topic', 'sink'],
          registers: [registry],
        }),
    );
    this.batchesWritten = reuse(
      registry,
      'switchyard_observability_batches_written_total',
      (name) =>
        new Counter({
          name,
          help: 'Batches written and committed, by topic and sink.',
          labelNames: ['topic', 'sink'],
          registers: [registry],
        }),
    );
    this.writeFailures = reuse(
      registry,
      'switchyard_observability_write_failures_total',
      (name) =>
        new Counter({
          name,
          help: 'Failed batch writes, by sink (`dead-letter` for the dead-letter topic); each is retried.',
          labelNames: ['sink'],
          registers: [registry],
        }),
    );
    this.deadLettered = reuse(
      registry,
      'switchyard_observability_events_dead_lettered_total',
      (name) =>
        new Counter({
          name,
          help: 'Messages that could not be decoded or that a sink refused, sent to the dead-letter topic and skipped, by source topic.',
          labelNames: ['topic', 'reason'],
          registers: [registry],
        }),
    );
    // The name the gateway's in-process bus uses too, so one query covers both modes.
    this.eventsDeadLettered = reuse(
      registry,
      'switchyard_events_dead_lettered_total',
      (name) =>
        new Counter({
          name,
          help: 'Events a store refused for their content, set aside as dead letters (the rest of their batch written), by reason and sink.',
          labelNames: ['reason', 'sink'],
          registers: [registry],
        }),
    );
    this.consumerLag = reuse(
      registry,
      'switchyard_observability_consumer_lag_messages',
      (name) =>
        new Gauge({
          name,
          help: "Messages on the partition after the sink's group's last committed offset, as of its last batch.",
          labelNames: ['topic', 'partition', 'sink'],
          registers: [registry],
        }),
    );
    this.batchWriteDuration = reuse(
      registry,
      'switchyard_observability_batch_write_duration_seconds',
      (name) =>
        new Histogram({
          name,
          help: 'Time to write one batch to a sink, retries included.',
          labelNames: ['topic', 'sink'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers: [registry],
        }),
    );
  }
}

function reuse<T extends Metric>(registry: Registry, name: string, create: (name: string) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create(name);
}
