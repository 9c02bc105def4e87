import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { eventsV1 } from '@switchyard/proto';
import { compileEncoder } from './compiled-encoder';
import { EVENT_TYPE_HEADER, TOPICS, eventKey, type Topic } from './topics';

export type RequestCompleted = eventsV1.RequestCompleted;
export type CostRecorded = eventsV1.CostRecorded;
export type SpansReceived = eventsV1.SpansReceived;
export type TranscriptSegmentsUpdated = eventsV1.TranscriptSegmentsUpdated;
export type ConversationUpdated = eventsV1.ConversationUpdated;

/** One event, tagged with its kind. */
export type SwitchyardEvent =
  | { kind: 'request-completed'; event: RequestCompleted }
  | { kind: 'cost-recorded'; event: CostRecorded }
  | { kind: 'spans-received'; event: SpansReceived }
  | { kind: 'transcript-segments-updated'; event: TranscriptSegmentsUpdated }
  | { kind: 'conversation-updated'; event: ConversationUpdated };

/** An event as it travels on Kafka, or waits in the spool. */
export interface EncodedEvent {
  topic: Topic;
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';
}

const encodeRequestCompleted =
  compileEncoder(eventsV1.RequestCompletedSchema) ?? ((event: RequestCompleted) => toBinary(eventsV1.RequestCompletedSchema, event));
const encodeCostRecorded = compileEncoder(eventsV1.CostRecordedSchema) ?? ((event: CostRecorded) => toBinary(eventsV1.CostRecordedSchema, event));

const encodeSpansReceived = compileEncoder(eventsV1.SpansReceivedSchema) ?? ((event: SpansReceived) => toBinary(eventsV1.SpansReceivedSchema, event));
const encodeTranscriptSegmentsUpdated =
  compileEncoder(eventsV1.TranscriptSegmentsUpdatedSchema) ??
  ((event: TranscriptSegmentsUpdated) => toBinary(eventsV1.TranscriptSegmentsUpdatedSchema, event));
const encodeConversationUpdated =
  compileEncoder(eventsV1.ConversationUpdatedSchema) ?? ((event: ConversationUpdated) => toBinary(eventsV1.ConversationUpdatedSchema, event));

export function encodeEvent(item: SwitchyardEvent): EncodedEvent {
  const { event } = item;
  const key = eventKey(event.workspace, event.requestId);
  switch (item.kind) {
    case 'request-completed':
      return {
        topic: TOPICS.requestCompleted,
        key,
        value: encodeRequestCompleted(item.event),
        headers: { [EVENT_TYPE_HEADER]: eventsV1.RequestCompletedSchema.typeName },
      };
    case 'cost-recorded':
      return {
        topic: TOPICS.costRecorded,
        key,
        value: encodeCostRecorded(item.event),
        headers: { [EVENT_TYPE_HEADER]: eventsV1.CostRecordedSchema.typeName },
      };
    case 'spans-received':
      return {
        topic: TOPICS.spansReceived,
        key,
        value: encodeSpansReceived(item.event),
        headers: { [EVENT_TYPE_HEADER]: eventsV1.SpansReceivedSchema.typeName },
      };
    case 'transcript-segments-updated':
      return {
        topic: TOPICS.transcriptSegments,
        key,
        value: encodeTranscriptSegmentsUpdated(item.event),
        headers: { [EVENT_TYPE_HEADER]: eventsV1.TranscriptSegmentsUpdatedSchema.typeName },
      };
    case 'conversation-updated':
      return {
        topic: TOPICS.conversationUpdated,
        key,
        value: encodeConversationUpdated(item.event),
        headers: { [EVENT_TYPE_HEADER]: eventsV1.ConversationUpdatedSchema.typeName },
      };
  }
}

/** Throws `EventDecodeError` for an unknown topic or a value that is not the topic's message. */
export function decodeEvent(topic: string, value: Uint8Array): SwitchyardEvent {
  try {
    switch (topic) {
      case TOPICS.requestCompleted:
        return { kind: 'request-completed', event: fromBinary(eventsV1.RequestCompletedSchema, value) };
      case TOPICS.costRecorded:
        return { kind: 'cost-recorded', event: fromBinary(eventsV1.CostRecordedSchema, value) };
      case TOPICS.spansReceived:
        return { kind: 'spans-received', event: fromBinary(eventsV1.SpansReceivedSchema, value) };
      case TOPICS.transcriptSegments:
        return { kind: 'transcript-segments-updated', event: fromBinary(eventsV1.TranscriptSegmentsUpdatedSchema, value) };
      case TOPICS.conversationUpdated:
        return { kind: 'conversation-updated', event: fromBinary(eventsV1.ConversationUpdatedSchema, value) };
    }
  } catch (error) {
    throw new EventDecodeError(`The value on ${topic} is not a valid event: ${(error as Error).message}`);
  }
  throw new EventDecodeError(`${topic} is not a Switchyard event topic.`);
}
