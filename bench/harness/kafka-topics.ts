/**
 * The Kafka broker the event scenarios use (`SWITCHYARD_KAFKA_BROKERS`, as
 * `scripts/services.sh` starts it) and the clean-up of their own topics.
 */

import { Kafka, logLevel } from 'kafkajs';

export const KAFKA_BROKERS = (process.env.SWITCHYARD_KAFKA_BROKERS ?? '127.0.0.1:59092')
  .split(',')
  .map((broker) => broker.trim())
  .filter(Boolean);

/** Deletes every topic whose name starts with `prefix`; resolves with their names. */
export async function deleteTopics(prefix: string): Promise<string[]> {
  const admin = new Kafka({ clientId: 'switchyard-bench-cleanup', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics;
  } finally {
    await admin.disconnect();
  }
}
