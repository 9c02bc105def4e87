import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '@switchyard/shared';
import { KAFKAJS_LOG_LEVEL, kafkajsLogCreator } from './kafkajs-logging';
import { ALL_TOPICS } from './topics';

export interface EnsureTopicsOptions {
  clientId?: string;
  /** Partitions of a topic created here; default: the broker's `num.partitions`. */
  numPartitions?: number;
  /** Replicas of a topic created here; default: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /** Time allowed for the whole call. Default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Creates the topics that do not exist yet (by default every Switchyard
 * event topic) and waits until they have leaders; existing topics are left
 * as they are, so calling it at every start-up is safe. Resolves with the
 * names it created.
 */
export async function ensureTopics(brokers: string[], topics: readonly string[] = ALL_TOPICS, options: EnsureTopicsOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'switchyard-topic-setup',
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: timeoutMs,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: options.logger ? KAFKAJS_LOG_LEVEL : logLevel.NOTHING,
    ...(options.logger ? { logCreator: kafkajsLogCreator(options.logger) } : {}),
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return [];
    // `false` means another process created them first: they exist either way.
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: options.numPartitions ?? -1, replicationFactor: options.replicationFactor ?? -1 })),
      waitForLeaders: true,
      timeout: timeoutMs,
    });
    options.logger?.info({ topics: missing }, 'topics-created');
    return missing;
  } finally {
    await admin.disconnect();
  }
}
