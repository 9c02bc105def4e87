'use strict';

/**
 * The Kafka broker the event benchmarks use (`SWITCHYARD_KAFKA_BROKERS`, as
 * `scripts/services.sh` starts it) and the clean-up of their own topics.
 */

const { Kafka, logLevel } = require('kafkajs');

const KAFKA_BROKERS = (process.env.SWITCHYARD_KAFKA_BROKERS ?? '127.0.0.1:59092').split(',').map((broker) => broker.trim()).filter(Boolean);

/** Deletes every topic whose name starts with `prefix`; resolves with their names. */
async function deleteTopics(prefix) {
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

module.exports = { KAFKA_BROKERS, deleteTopics };
