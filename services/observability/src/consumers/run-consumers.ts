import type { Registry } from 'prom-client';
import type { EventSink, Topic } from '@switchyard/events';
import type { Logger } from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { InfluxEventWriter, type InfluxEventWriterOptions } from '../influx/influx-event-writer';
import { openEventDatabase } from '../storage/event-database';
import { DEFAULT_CONSUMER_GROUP_ID, KafkaEventConsumer, type KafkaEventConsumerOptions } from './kafka-event-consumer';

export interface ObservabilityConsumersOptions {
  brokers: readonly string[];
  /** Postgres, the record the query service reads; migrations run before consuming starts. */
  postgresUrl: string;
  /** Schema of the tables in Postgres; the server's search_path by default. */
  postgresSchema?: string;
  /** InfluxDB for time series, consumed by a group of its own; none when absent. */
  influx?: InfluxEventWriterOptions;
  /**
   * More sinks over the records database, each in a group of its own
   * reading only its topics (the edge conversations' tables).
   */
  recordSinks?: readonly { create(client: SqlClient): EventSink; topics: readonly Topic[] }[];
  logger: Logger;
  /** Each sink's group is this plus `-<sink>`; `switchyard-observability` by default. */
  groupId?: string;
  topics?: readonly Topic[];
  topicPrefix?: string;
  metricsRegistry?: Registry;
  fromBeginning?: boolean;
  /** The rest of the Kafka consumer's tuning. */
  consumer?: Pick<
    KafkaEventConsumerOptions,
    | 'clientId'
    | 'deadLetterTopic'
    | 'maxEventsPerWrite'
    | 'retry'
    | 'sessionTimeoutMs'
    | 'heartbeatIntervalMs'
    | 'maxFetchWaitMs'
    | 'partitionsConsumedConcurrently'
  >;
}

export interface RunningObservabilityConsumers {
  /** One per sink, each in its own consumer group (`<groupId>-<sink>`): `postgres`, then `influxdb` when configured. */
  readonly consumers: readonly KafkaEventConsumer[];
  /** Stops consuming (a batch being written is finished or, if it is being retried, left uncommitted), then closes the database. */
  stop(): Promise<void>;
}

/**
 * The consumer process of distributed mode: opens the event database
 * (running its migrations), builds the sinks — Postgres, and InfluxDB when
 * configured — and starts one Kafka consumer group per sink. Each group
 * commits its own offsets, so one store's outage delays only that store:
 * Postgres keeps recording while InfluxDB is down, and InfluxDB catches up
 * from its own offsets when it returns.
 */
export async function startObservabilityConsumers(options: ObservabilityConsumersOptions): Promise<RunningObservabilityConsumers> {
  const logger = options.logger;
  const database = await openEventDatabase({ postgresUrl: options.postgresUrl, schema: options.postgresSchema, logger });
  const sinks: { sink: EventSink; topics?: readonly Topic[] }[] = [{ sink: database.store, topics: options.topics }];
  if (options.influx) sinks.push({ sink: new InfluxEventWriter(options.influx), topics: options.topics });
  for (const recordSink of options.recordSinks ?? []) sinks.push({ sink: recordSink.create(database.client), topics: recordSink.topics });
  const baseGroup = options.groupId ?? DEFAULT_CONSUMER_GROUP_ID;
  const consumers = sinks.map(
    ({ sink, topics }) =>
      new KafkaEventConsumer({
        ...options.consumer,
        brokers: options.brokers,
        groupId: sinkGroupId(baseGroup, sink.name),
        topics,
        topicPrefix: options.topicPrefix,
        sinks: [sink],
        logger,
        metricsRegistry: options.metricsRegistry,
        fromBeginning: options.fromBeginning,
      }),
  );
  const stopAll = async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop().catch(() => undefined)));
  };
  try {
    await Promise.all(consumers.map((consumer) => consumer.start()));
  } catch (error) {
    await stopAll();
    await database.close();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    consumers,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await stopAll();
        } finally {
          await database.close();
        }
      })()),
  };
}

/** The consumer group of one sink: `switchyard-observability-postgres`. */
export function sinkGroupId(baseGroup: string, sinkName: string): string {
  return `${baseGroup}-${sinkName}`;
}
