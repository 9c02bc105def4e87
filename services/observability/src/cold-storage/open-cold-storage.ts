import { resolveSecret, type ColdStorageConfig, type Logger } from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { ColdStorageJob } from './cold-storage-job';
import { ColdStorageQueries } from './cold-storage-queries';
import { S3ObjectStore } from './s3-object-store';

export interface ColdStorage {
  /** For `LocalObservabilityService`'s `coldStorage`. */
  reader: ColdStorageQueries;
  /** Starts the export schedule on the records database (once it is open). */
  startExports(client: SqlClient | Promise<SqlClient>, logger: Logger): void;
  /** Stops the schedule (waiting for an export under way) and releases the S3 client. */
  close(): Promise<void>;
}

/** Cold storage as `observability.coldStorage` describes it; the S3 SDK loads at its first export or read. */
export function openColdStorage(config: ColdStorageConfig, options: { retentionDays?: number; env?: NodeJS.ProcessEnv } = {}): ColdStorage {
  const env = options.env ?? process.env;
  const store = new S3ObjectStore({
    bucket: config.bucket,
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials:
      config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { accessKeyId: resolveSecret(config.accessKeyId, env), secretAccessKey: resolveSecret(config.secretAccessKey, env) }
        : undefined,
  });
  let job: ColdStorageJob | undefined;
  return {
    reader: new ColdStorageQueries(store, { maxRecordsPerQuery: config.maxRecordsPerQuery }),
    startExports(client, logger) {
      job ??= new ColdStorageJob(client, store, {
        afterDays: config.afterDays,
        prefix: config.prefix,
        maxRecordsPerObject: config.maxRecordsPerObject,
        intervalMs: config.intervalMs,
        retentionDays: options.retentionDays,
        logger,
      });
      job.start();
    },
    async close() {
      await job?.stop();
      store.close();
    },
  };
}
