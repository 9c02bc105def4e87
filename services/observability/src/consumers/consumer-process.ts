import { createLogger } from '@switchyard/shared';
import { DEFAULT_CONSUMER_GROUP_ID } from './kafka-event-consumer';
import { startObservabilityConsumers } from './run-consumers';

/**
 * The observability consumers as a process of their own, configured by
 * environment variables:
 *
 *   SWITCHYARD_KAFKA_BROKERS          comma-separated; default 127.0.0.1:59092
 *   SWITCHYARD_POSTGRES_URL           required
 *   SWITCHYARD_INFLUX_URL             optional; without it nothing goes to InfluxDB
 *   SWITCHYARD_INFLUX_DATABASE        default switchyard
 *   SWITCHYARD_INFLUX_TOKEN           default empty (InfluxDB without auth)
 *   SWITCHYARD_CONSUMER_GROUP         default switchyard-observability
 *   SWITCHYARD_TOPIC_PREFIX           put before every topic name; default empty
 *   SWITCHYARD_CONSUMER_FROM_BEGINNING  `true`: a new group starts at the oldest message
 *   SWITCHYARD_CONSUMER_BATCH_EVENTS  events written and committed at a time; default 500
 *   SWITCHYARD_CONSUMER_SESSION_TIMEOUT_MS  Kafka group session timeout; default 30000
 *
 * `node services/observability/dist/consumers/consumer-process.js`. Logs
 * `consumer-start` once consuming; SIGTERM or SIGINT stops it cleanly.
 */
async function main(): Promise<void> {
  const env = process.env;
  const logger = createLogger('observability-consumer');
  const postgresUrl = env.SWITCHYARD_POSTGRES_URL;
  if (!postgresUrl) throw new Error('SWITCHYARD_POSTGRES_URL is required: the Postgres the events are written to.');
  const consumers = await startObservabilityConsumers({
    brokers: (env.SWITCHYARD_KAFKA_BROKERS ?? '127.0.0.1:59092').split(',').map((broker) => broker.trim()).filter(Boolean),
    postgresUrl,
    influx: env.SWITCHYARD_INFLUX_URL
      ? { url: env.SWITCHYARD_INFLUX_URL, database: env.SWITCHYARD_INFLUX_DATABASE ?? 'switchyard', token: env.SWITCHYARD_INFLUX_TOKEN }
      : undefined,
    logger,
    groupId: env.SWITCHYARD_CONSUMER_GROUP ?? DEFAULT_CONSUMER_GROUP_ID,
    topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? '',
    fromBeginning: env.SWITCHYARD_CONSUMER_FROM_BEGINNING === 'true',
    consumer: {
      maxEventsPerWrite: positiveInteger(env, 'SWITCHYARD_CONSUMER_BATCH_EVENTS'),
      sessionTimeoutMs: positiveInteger(env, 'SWITCHYARD_CONSUMER_SESSION_TIMEOUT_MS'),
    },
  });
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutdown-start');
    consumers.stop().then(
      () => {
        logger.info({ signal }, 'shutdown-complete');
        logger.flush();
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown-fail');
        logger.flush();
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(text)}.`);
  return value;
}

main().catch((error: unknown) => {
  // Before the logger exists, or it failed to start: plain stderr, non-zero exit.
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
