import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

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
  consumerGroup: 'switchyard-dead-letter-consumer-group',
  deadLetteredAt: 'switchyard-dead-letter-at',
} as const;

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  error: Error;
  /** `undecodable` unless a sink refused the event: then the `WriteFailure` reason, and the sink. */
  cause: string;
  sink?: string;
}

/** The dead-letter record: the original key, value and headers, plus headers saying why and where from. */
export function deadLetterMessage({ topic, partition, message, error, cause, sink }: DeadLetter, consumerGroup: string): Message {
  const headers: IHeaders = {
    ...message.headers,
    [DEAD_LETTER_HEADERS.reason]: error.message,
    [DEAD_LETTER_HEADERS.error]: error.name,
    [DEAD_LETTER_HEADERS.cause]: cause,
    ...(sink === undefined ? {} : { [DEAD_LETTER_HEADERS.sink]: sink }),
    [DEAD_LETTER_HEADERS.sourceTopic]: topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
    [DEAD_LETTER_HEADERS.sourceTimestamp]: message.timestamp,
    [DEAD_LETTER_HEADERS.consumerGroup]: consumerGroup,
    [DEAD_LETTER_HEADERS.deadLetteredAt]: new Date().toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}
