/**
 * Topic names carry the major version of the message they hold
 * (`switchyard.<event>.v<major>`); see proto/switchyard/events/v1/events.proto
 * for the rules on evolving them.
 */
export const TOPICS = {
  requestCompleted: 'switchyard.request.completed.v1',
  costRecorded: 'switchyard.cost.recorded.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);

/** `<workspace>:<requestId>`: every event of one request goes to the same partition, in order. */
export function eventKey(workspace: string, requestId: string): string {
  return `${workspace}:${requestId}`;
}

/** Header naming the protobuf message type of the value. */
export const EVENT_TYPE_HEADER = 'switchyard-event-type';
