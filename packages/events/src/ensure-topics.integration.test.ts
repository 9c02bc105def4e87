import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KAFKA_BROKERS, requireKafka } from '../../../test/support/infrastructure';
import { ensureTopics, waitForLeaders } from './ensure-topics';

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
    const waiting = waitForLeaders(admin, [topic], Date.now() + 20_000).then(() => Date.now());
    // The admin client never creates topics by asking for them, so until then the broker answers UNKNOWN_TOPIC_OR_PARTITION.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const createdAt = Date.now();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: false });

    const resolvedAt = await waiting;
    expect(resolvedAt).toBeGreaterThanOrEqual(createdAt);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0].partitions).toHaveLength(2);
    for (const partition of topics[0].partitions) expect(partition.leader).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('gives up at the deadline, naming the topics and what the broker last answered', async () => {
    const never = `ensure-topics-test-never-${randomUUID()}`;
    const started = Date.now();
    await expect(waitForLeaders(admin, [never], started + 1_500)).rejects.toThrow(
      `The topics ${never} have no leader in time (last answer: UNKNOWN_TOPIC_OR_PARTITION).`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  }, 30_000);
});
