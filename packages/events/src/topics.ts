/**
 * Topic names carry the major version of the message they hold
 * (`switchyard.<event>.v<major>`); see proto/switchyard/events/v1/events.proto
 * for the rules on evolving them.
 */
export const TOPICS = {
  requestCompleted: 'switchyard.request.completed.v1',
  costRecorded: 'switchyard.cost.recorded.v1',
  spansReceived: 'switchyard.spans.received.v1',
  // Edge ingest: transcript segments and conversations of wearable audio streams.
  transcriptSegments: 'switchyard.transcript.segments.v1',
  conversationUpdated: 'switchyard.conversation.updated.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);

/** `<workspace>:<requestId>`: every event of one request goes to the same partition, in order. */
export function eventKey(workspace: string, requestId: string): string {
  return `${workspace}:${requestId}`;
}

/** Header naming the protobuf message type of the value. */
export const EVENT_TYPE_HEADER = 'switchyard-event-type';

/** Where messages that cannot be decoded, or that a sink refused for their content, go, with their raw bytes. */
export const DEAD_LETTER_TOPIC = 'switchyard.dead-letter.v1';

/**
 * Headers added to a dead-lettered message, besides the original ones:
 * why it was set aside and where it came from.
 */
export const DEAD_LETTER_HEADERS = {
  /** The error's message. */
  reason: 'switchyard-dead-letter-reason',
  /** Why, in a word: `undecodable`, or what the sink refused (`data_exception`, `event_too_large`…). */
  cause: 'switchyard-dead-letter-cause',
  /** The sink that refused the event; absent for an undecodable message. */
  sink: 'switchyard-dead-letter-sink',
  error: 'switchyard-dead-letter-error',
  sourceTopic: 'switchyard-dead-letter-source-topic',
  sourcePartition: 'switchyard-dead-letter-source-partition',
  sourceOffset: 'switchyard-dead-letter-source-offset',
  sourceTimestamp: 'switchyard-dead-letter-source-timestamp',
  /** The consumer group that set it aside; absent when the gateway's publisher did. */
  consumerGroup: 'switchyard-dead-letter-consumer-group',
  deadLetteredAt: 'switchyard-dead-letter-at',
} as const;
