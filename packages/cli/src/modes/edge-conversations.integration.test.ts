import { ALL_TOPICS } from '@switchyard/events';
import { conversationEvent, segmentsEvent, SqlConversationStore, type StoredConversation, type TranscriptSegment } from '@switchyard/edge-ingest';
import { startObservabilityConsumers, type RunningObservabilityConsumers } from '@switchyard/observability';
import { createLogger } from '@switchyard/shared';
import { KAFKA_BROKERS, POSTGRES_URL, requireKafka } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import {
  connectEventProducer,
  createTopics,
  uniqueName,
} from '../../../../services/observability/src/consumers/__fixtures__/observability-test-support';
import { openEmptyPostgresSchema } from '../../../../services/observability/src/storage/__fixtures__/event-databases';
import { conversationRecordSinks } from './edge-conversations';
import { testSegment } from '../../../../services/edge-ingest/src/__fixtures__/transcript-segment';

/**
 * Distributed mode's path for conversations: the events an edge-ingest
 * process publishes, on real Kafka, written by the observability
 * consumers' conversation sink into a real Postgres, where the gateway's
 * store reads them.
 */

jest.setTimeout(120_000);

const logger = createLogger('edge-conversations-test', process.env.LOG_LEVEL ?? 'silent');

function segment(id: string, text: string, start: number, end: number): TranscriptSegment {
  return testSegment(id, text, start, end);
}

describe('the conversation sink of the observability consumers', () => {
  let schema: Awaited<ReturnType<typeof openEmptyPostgresSchema>> | undefined;
  let consumers: RunningObservabilityConsumers | undefined;
  let producer: Awaited<ReturnType<typeof connectEventProducer>> | undefined;

  afterAll(async () => {
    await producer?.disconnect();
    await consumers?.stop();
    await schema?.dispose();
  });

  it('writes the published segments and conversation states, keeping the newest revision', async () => {
    await requireKafka();
    schema = await openEmptyPostgresSchema();
    const topicPrefix = `${uniqueName('edge-conversations')}.`;
    await createTopics(
      KAFKA_BROKERS,
      ALL_TOPICS.map((topic) => topicPrefix + topic),
      3,
    );
    consumers = await startObservabilityConsumers({
      brokers: KAFKA_BROKERS,
      postgresUrl: POSTGRES_URL,
      postgresSchema: schema.schema,
      recordSinks: conversationRecordSinks(),
      groupId: uniqueName('edge-conversations-group'),
      topicPrefix,
      fromBeginning: true,
      consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 },
      logger,
    });
    expect(consumers.consumers).toHaveLength(2);

    const open: StoredConversation = {
      id: 'conv_kafka_1',
      workspace: 'team-a',
      uid: 'user-1',
      created_at: '2026-12-05T09:00:00.000Z',
      started_at: '2026-12-05T09:00:00.000Z',
      finished_at: null,
      language: 'en',
      status: 'in_progress',
      transcript_segments: [segment('s1', 'Hello', 0, 1)],
      structured: null,
      memories: [],
      discarded: false,
      source: 'omi',
      geolocation: null,
    };
    const completed: StoredConversation = {
      ...open,
      finished_at: '2026-12-05T09:05:00.000Z',
      status: 'completed',
      transcript_segments: [segment('s1', 'Hello there.', 0, 1.5), segment('s2', 'Bye.', 2, 2.5)],
      structured: { title: 'Greeting', overview: 'A hello.', emoji: '👋', category: 'social', action_items: [], events: [] },
      memories: [{ id: 'conv_kafka_1_m1', content: 'The user greets people.', category: 'interesting' }],
    };
    const at = new Date('2026-12-05T09:05:00Z');
    producer = await connectEventProducer(KAFKA_BROKERS);
    // The completed state first and the opening one last: the revision, not the order, decides.
    await producer.produce(
      [
        conversationEvent({ conversation: completed, keyId: 'key_a', revision: 3 }, at),
        segmentsEvent(open, 'key_a', [segment('s2', 'Bye.', 2, 2.5)], at),
        conversationEvent({ conversation: open, keyId: 'key_a', revision: 1 }, at),
      ],
      topicPrefix,
    );

    const store = new SqlConversationStore(schema.openClient());
    const stored = await waitFor(
      () => store.getConversation('conv_kafka_1', ['team-a']),
      (conversation) => conversation?.status === 'completed' && conversation.transcript_segments.length === 2,
      { timeoutMs: 60_000, what: 'the conversation written from Kafka' },
    );
    expect(stored).toEqual(completed);
    expect(await store.getConversation('conv_kafka_1', ['team-b'])).toBeUndefined();
  });
});
