import { eventsV1 } from '@switchyard/proto';

/**
 * The one spelling of each operation: in records (`GET /v1/requests`), in
 * the stored rows, in InfluxDB tags and in the gateway's metric labels.
 * The event itself carries the protobuf enum.
 */
export const operationNames = ['chat.completion', 'embeddings', 'responses', 'audio.transcription'] as const;
export type OperationName = (typeof operationNames)[number];

const OPERATION_OF: Record<OperationName, eventsV1.Operation> = {
  'chat.completion': eventsV1.Operation.CHAT_COMPLETION,
  embeddings: eventsV1.Operation.EMBEDDING,
  responses: eventsV1.Operation.RESPONSES,
  'audio.transcription': eventsV1.Operation.AUDIO_TRANSCRIPTION,
};

/** `chat.completion`, `embeddings`, `responses`, `audio.transcription` or `unspecified`; an operation this code does not know, as its number. */
export function operationName(operation: eventsV1.Operation): string {
  if (operation === eventsV1.Operation.UNSPECIFIED) return 'unspecified';
  return operationNames.find((name) => OPERATION_OF[name] === operation) ?? String(operation);
}

/** The enum value of a name `operationName` gave. */
export function operationOf(name: string): eventsV1.Operation {
  if (name in OPERATION_OF) return OPERATION_OF[name as OperationName];
  const number = Number(name);
  return Number.isInteger(number) ? number : eventsV1.Operation.UNSPECIFIED;
}
