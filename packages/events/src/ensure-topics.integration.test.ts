import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KAFKA_BROKERS, requireKafka } from '../../../test/support/infrastructure';
import { waitFor } from '../../../test/support/wait-for';
import { ensureTopics, waitForLeaders } from './ensure-topics';

/**
 * The shared admin client, recording how the broker answered each metadata
 * request: 'leaders' (every partition led), 'no leader', or the error type.
 */
function observedAdmin(admin: Admin): { admin: Admin; answers: string[] } {
  const answers: string[] = [];
  const fetchTopicMetadata: Admin['fetchTopicMetadata'] = async (request) => {
    try {
      const metadata = await admin.fetchTopicMetadata(request);
      const led = metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0));
      answers.push(led ? 'leaders' : 'no leader');
      return metadata;
    } catch (error) {
      answers.push(String((error as { type?: unknown }).type));
      throw error;
    }
  };
  return { admin: { ...admin, fetchTopicMetadata }, answers };
}

describe('ensureTopics and waitForLeaders against the shared broker', () => {
  let admin: Admin;
  const created: string[] = [];

  beforeAll(async () => {
    await requireKafka();
    admin = new Kafka({ clientId: 'ensure-topics-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    if (created.length > 0) await admin?.deleteTopics({ topics: created, timeout: 30_000 });
    await admin?.disconnect();
  }, 60_000);

  const topicName = () => {
    const name = `ensure-topics-test-${randomUUID()}`;
    created.push(name);
    return name;
  };

  it('creates the missing topics with leaders on every partition, and leaves existing ones alone', async () => {
    const first = topicName();
    const second = topicName();
    expect(await ensureTopics(KAFKA_BROKERS, [first], { numPartitions: 2, replicationFactor: 1 })).toEqual([first]);
    expect(await ensureTopics(KAFKA_BROKERS, [first, second], { numPartitions: 3, replicationFactor: 1 })).toEqual([second]);

    const { topics } = await admin.fetchTopicMetadata({ topics: [first, second] });
    const partitions = Object.fromEntries(topics.map((topic) => [topic.name, topic.partitions]));
    expect(partitions[first]).toHaveLength(2);
    expect(partitions[second]).toHaveLength(3);
    for (const partition of [...partitions[first], ...partitions[second]]) expect(partition.leader).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('waits while the broker does not know a topic yet, and resolves once it is created and has its leaders', async () => {
    const topic = topicName();
    const observed = observedAdmin(admin);
    let resolved = false;
    const waiting = waitForLeaders(observed.admin, [topic], Date.now() + 20_000).then(() => (resolved = true));
    // The admin client never creates topics by asking for them, so until then the broker answers UNKNOWN_TOPIC_OR_PARTITION.
    await waitFor(
      () => ({ answers: observed.answers.length, resolved }),
      (seen) => seen.answers >= 3 || seen.resolved,
      {
        timeoutMs: 20_000,
        what: 'three metadata answers',
      },
    );
    expect(resolved).toBe(false);
    const answersBeforeCreation = observed.answers.length;
    expect(observed.answers).toEqual(Array(answersBeforeCreation).fill('UNKNOWN_TOPIC_OR_PARTITION'));
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: false });

    await waiting;
    // It resolved on an answer the broker gave after the topic was created.
    expect(observed.answers.length).toBeGreaterThan(answersBeforeCreation);
    expect(observed.answers.at(-1)).toBe('leaders');
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0].partitions).toHaveLength(2);
    for (const partition of topics[0].partitions) expect(partition.leader).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('gives up at the deadline and not before, naming the topics and what the broker last answered', async () => {
    const never = `ensure-topics-test-never-${randomUUID()}`;
    const observed = observedAdmin(admin);
    // The clock is the test's: it stands still until the test moves it to the deadline.
    let now = 0;
    let settled = false;
    const waiting = waitForLeaders(observed.admin, [never], 1_000, () => now).finally(() => (settled = true));
    waiting.catch(() => {});
    await waitFor(
      () => ({ answers: observed.answers.length, settled }),
      (seen) => seen.answers >= 3 || seen.settled,
      {
        timeoutMs: 20_000,
        what: 'three metadata answers',
      },
    );
    expect(settled).toBe(false);

    now = 1_000;
    await expect(waiting).rejects.toThrow(`The topics ${never} have no leader in time (last answer: UNKNOWN_TOPIC_OR_PARTITION).`);
    expect(observed.answers.every((answer) => answer === 'UNKNOWN_TOPIC_OR_PARTITION')).toBe(true);
  }, 30_000);
});
