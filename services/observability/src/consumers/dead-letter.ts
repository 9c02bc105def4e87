import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Where messages that cannot be decoded go, with their raw bytes. */
export const DEAD_LETTER_TOPIC = 'switchyard.dead-letter.v1';

/**
 * Headers added to a dead-lettered message, besides the original ones:
 * why it was set aside and where it came from.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'switchyard-dead-letter-reason',
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
}

/** The dead-letter record: the original key, value and headers, plus headers saying why and where from. */
export function deadLetterMessage({ topic, partition, message, error }: DeadLetter, consumerGroup: string): Message {
  const headers: IHeaders = {
    ...message.headers,
    [DEAD_LETTER_HEADERS.reason]: error.message,
    [DEAD_LETTER_HEADERS.error]: error.name,
    [DEAD_LETTER_HEADERS.sourceTopic]: topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
    [DEAD_LETTER_HEADERS.sourceTimestamp]: message.timestamp,
    [DEAD_LETTER_HEADERS.consumerGroup]: consumerGroup,
    [DEAD_LETTER_HEADERS.deadLetteredAt]: new Date().toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}
