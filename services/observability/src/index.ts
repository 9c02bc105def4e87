export { InfluxEventWriter, type InfluxEventWriterOptions } from './influx/influx-event-writer';
export { COSTS_MEASUREMENT, REQUESTS_MEASUREMENT, pointTimestamp } from './influx/influx-points';
export { FanOutSink, SinkWriteError } from './consumers/fan-out-sink';
export { ConsumerMetrics } from './consumers/consumer-metrics';
export { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC } from './consumers/dead-letter';
export { DEFAULT_CONSUMER_GROUP_ID, KafkaEventConsumer, type KafkaEventConsumerOptions } from './consumers/kafka-event-consumer';
export { startObservabilityConsumers, type ObservabilityConsumersOptions, type RunningObservabilityConsumers } from './consumers/run-consumers';
export {
  createPgliteClient,
  createPostgresClient,
  type PgliteClientOptions,
  type PostgresClientOptions,
  type SqlClient,
  type SqlExecutor,
} from '@switchyard/database';
export { PostgresEventStore } from './storage/event-store';
export { PostgresDeadLetterStore } from './storage/dead-letter-store';
export { openEventDatabase, type EventDatabase, type EventDatabaseOptions } from './storage/event-database';
export { runMigrations } from './storage/run-migrations';
export { EventQueries } from './query/event-queries';
export { DEFAULT_STATEMENT_TIMEOUT_MS, LocalObservabilityService } from './local-observability-service';
export { runBoundedQuery, type QueryBounds } from './query/bounded-query';
export { deleteUserData } from './privacy/delete-user-data';
export { purgeExpiredData, type PurgedData } from './retention/purge-expired-data';
export { RetentionJob, type RetentionJobOptions } from './retention/retention-job';
export * from './transport';
export * from './alerts';
