export { InfluxEventWriter, type InfluxEventWriterOptions } from './influx/influx-event-writer';
export { REQUESTS_MEASUREMENT, pointTimestamp } from './influx/influx-points';
export { FanOutSink, SinkWriteError } from './consumers/fan-out-sink';
export { ConsumerMetrics } from './consumers/consumer-metrics';
export { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC } from './consumers/dead-letter';
export { DEFAULT_CONSUMER_GROUP_ID, KafkaEventConsumer, type KafkaEventConsumerOptions } from './consumers/kafka-event-consumer';
export {
  sinkGroupId,
  startObservabilityConsumers,
  type ObservabilityConsumersOptions,
  type RunningObservabilityConsumers,
} from './consumers/run-consumers';
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
export { DEFAULT_STATEMENT_TIMEOUT_MS, LocalObservabilityService, type LocalObservabilityOptions } from './local-observability-service';
export { runBoundedQuery, type QueryBounds } from './query/bounded-query';
export { deleteUserData } from './privacy/delete-user-data';
export { purgeExpiredData, type PurgedData } from './retention/purge-expired-data';
export { RetentionJob, type RetentionJobOptions } from './retention/retention-job';
export * from './transport';
export * from './alerts';
export { type ObjectStore } from './cold-storage/object-store';
export { S3ObjectStore, type S3ObjectStoreOptions } from './cold-storage/s3-object-store';
export { exportColdRecords, type ExportColdRecordsOptions, type ExportedColdRecords } from './cold-storage/export-cold-records';
export { ColdStorageQueries, type ColdRecordSource } from './cold-storage/cold-storage-queries';
export { ColdStorageJob, type ColdStorageJobOptions } from './cold-storage/cold-storage-job';
export { openColdStorage, type ColdStorage } from './cold-storage/open-cold-storage';
export { purgeColdObjects } from './cold-storage/purge-cold-objects';
export { deleteColdUserRecords } from './cold-storage/delete-cold-user-records';
