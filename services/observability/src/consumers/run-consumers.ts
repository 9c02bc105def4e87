import type { Registry } from 'prom-client';
import type { EventSink, Topic } from '@switchyard/events';
import type { Logger } from '@switchyard/shared';
import { InfluxEventWriter, type InfluxEventWriterOptions } from '../influx/influx-event-writer';
import { openEventDatabase } from '../storage/event-database';
import { KafkaEventConsumer, type KafkaEventConsumerOptions } from './kafka-event-consumer';

export interface ObservabilityConsumersOptions {
  brokers: readonly string[];
  /** Postgres, the record the query service reads; migrations run before consuming starts. */
  postgresUrl: string;
  /** Schema of the tables in Postgres; the server's search_path by default. */
  postgresSchema?: string;
  /** InfluxDB for time series, written after Postgres; none when absent. */
  influx?: InfluxEventWriterOptions;
  logger: Logger;
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
  readonly consumer: KafkaEventConsumer;
  /** Stops consuming (a batch being written is finished or, if it is being retried, left uncommitted), then closes the database. */
  stop(): Promise<void>;
}

/**
 * The consumer process of distributed mode: opens the event database
 * (running its migrations), builds the sinks — Postgres, then InfluxDB when
 * configured — and starts the Kafka consumer group on them.
 */
export async function startObservabilityConsumers(options: ObservabilityConsumersOptions): Promise<RunningObservabilityConsumers> {
  const logger = options.logger;
  const database = await openEventDatabase({ postgresUrl: options.postgresUrl, schema: options.postgresSchema, logger });
  const sinks: EventSink[] = [database.store];
  if (options.influx) sinks.push(new InfluxEventWriter(options.influx));
  const consumer = new KafkaEventConsumer({
    ...options.consumer,
    brokers: options.brokers,
    groupId: options.groupId,
    topics: options.topics,
    topicPrefix: options.topicPrefix,
    sinks,
    logger,
    metricsRegistry: options.metricsRegistry,
    fromBeginning: options.fromBeginning,
  });
  try {
    await consumer.start();
  } catch (error) {
    await consumer.stop().catch(() => undefined);
    await database.close();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    consumer,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await consumer.stop();
        } finally {
          await database.close();
        }
      })()),
  };
}
