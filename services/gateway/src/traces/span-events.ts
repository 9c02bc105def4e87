import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import type { SwitchyardEvent } from '@switchyard/events';

/**
 * About this much span text goes in one event: well under the 1 MB an
 * event may weigh (a bigger one is dead-lettered, not written), and a
 * batch of a few stays a reasonable Kafka message.
 */
export const SPANS_EVENT_TARGET_BYTES = 256 * 1024;

export interface SpansOrigin {
  requestId: string;
  workspace: string;
  keyId: string;
  receivedAt: Date;
}

/** The spans of one ingestion request as `SpansReceived` events, split so that each stays small. */
export function spansReceivedEvents(spans: readonly eventsV1.Span[], origin: SpansOrigin): SwitchyardEvent[] {
  const events: SwitchyardEvent[] = [];
  let part: eventsV1.Span[] = [];
  let partBytes = 0;
  const flush = () => {
    if (part.length === 0) return;
    events.push({
      kind: 'spans-received',
      event: create(eventsV1.SpansReceivedSchema, {
        eventId: randomUUID(),
        occurredAt: timestampFromDate(origin.receivedAt),
        requestId: origin.requestId,
        workspace: origin.workspace,
        keyId: origin.keyId,
        spans: part,
      }),
    });
    part = [];
    partBytes = 0;
  };
  for (const span of spans) {
    const bytes = 256 + span.name.length + span.attributesJson.length + span.statusMessage.length + span.serviceName.length;
    if (partBytes + bytes > SPANS_EVENT_TARGET_BYTES) flush();
    part.push(span);
    partBytes += bytes;
  }
  flush();
  return events;
}
