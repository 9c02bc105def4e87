import { setTimeout as delay } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type { Logger } from '@switchyard/shared';
import { kafkajsLogCreator } from './kafkajs-logging';
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
 * event topic) and waits until they have leaders (`waitForLeaders`);
 * existing topics are left as they are, so calling it at every start-up is
 * safe. Resolves with the names it created.
 */
export async function ensureTopics(brokers: string[], topics: readonly string[] = ALL_TOPICS, options: EnsureTopicsOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  // Loaded on first use: the one-process mode imports this package and never talks to Kafka.
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: options.clientId ?? 'switchyard-topic-setup',
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: timeoutMs,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
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
      // Waited for below: kafkajs's own wait gives up when the broker does not know a new topic yet.
      waitForLeaders: false,
      timeout: timeoutMs,
    });
    await waitForLeaders(admin, missing, deadline);
    options.logger?.info({ topics: missing }, 'topics-created');
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Errors with which a broker answers for a topic that is being created: it
 * may not know the topic yet (a KRaft broker learns of it from the
 * controller's metadata after the create request returned; seen for seconds
 * after a restart), then know it without a leader.
 */
const NOT_READY_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Resolves once every partition of `topics` has a leader; rejects at
 * `deadline` (ms since the epoch, as `now` tells it), or at once on any
 * other error.
 */
export async function waitForLeaders(admin: Admin, topics: readonly string[], deadline: number, now: () => number = Date.now): Promise<void> {
  let lastAnswer: string;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = found.filter((topic) => topic.partitions.length === 0 || topic.partitions.some((partition) => partition.leader < 0));
      if (leaderless.length === 0) return;
      lastAnswer = `no leader yet for ${leaderless.map((topic) => topic.name).join(', ')}`;
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (typeof type !== 'string' || !NOT_READY_YET.has(type)) throw error;
      lastAnswer = type;
    }
    if (now() >= deadline) throw new Error(`The topics ${topics.join(', ')} have no leader in time (last answer: ${lastAnswer}).`);
    await delay(100);
  }
}
