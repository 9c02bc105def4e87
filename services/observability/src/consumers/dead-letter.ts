import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '@switchyard/events';

export { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC } from '@switchyard/events';

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
