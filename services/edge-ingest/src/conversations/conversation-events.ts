import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { EventSink, SwitchyardEvent } from '@switchyard/events';
import { eventsV1 } from '@switchyard/proto';
import type { StoredConversation, TranscriptSegment } from '../contracts';
import type { ConversationRecord, ConversationWriter } from './conversation-store';

/** New or grown segments of a conversation, as the `switchyard.transcript.segments.v1` event. */
export function segmentsEvent(conversation: StoredConversation, keyId: string, segments: readonly TranscriptSegment[], at: Date): SwitchyardEvent {
  return {
    kind: 'transcript-segments-updated',
    event: create(eventsV1.TranscriptSegmentsUpdatedSchema, {
      eventId: randomUUID(),
      occurredAt: timestampFromDate(at),
      requestId: conversation.id,
      workspace: conversation.workspace,
      keyId,
      uid: conversation.uid,
      segments: segments.map(toSegmentMessage),
    }),
  };
}

/** A conversation's state, as the `switchyard.conversation.updated.v1` event. */
export function conversationEvent({ conversation, keyId, revision }: ConversationRecord, at: Date): SwitchyardEvent {
  const { structured } = conversation;
  return {
    kind: 'conversation-updated',
    event: create(eventsV1.ConversationUpdatedSchema, {
      eventId: randomUUID(),
      occurredAt: timestampFromDate(at),
      requestId: conversation.id,
      workspace: conversation.workspace,
      keyId,
      uid: conversation.uid,
      revision,
      createdAt: timestampFromDate(new Date(conversation.created_at)),
      startedAt: timestampFromDate(new Date(conversation.started_at)),
      finishedAt: conversation.finished_at === null ? undefined : timestampFromDate(new Date(conversation.finished_at)),
      language: conversation.language,
      status: conversation.status,
      source: conversation.source,
      discarded: conversation.discarded,
      transcriptSegments: conversation.transcript_segments.map(toSegmentMessage),
      structured:
        structured === null
          ? undefined
          : {
              title: structured.title,
              overview: structured.overview,
              emoji: structured.emoji,
              category: structured.category,
              actionItems: structured.action_items.map((item) => ({ description: item.description, completed: item.completed, dueAt: item.due_at ?? '' })),
              events: structured.events.map((event) => ({ ...event })),
            },
      memories: conversation.memories.map((memory) => ({ ...memory })),
    }),
  };
}

/** The conversation an event carries, as stored. */
export function conversationOfEvent(event: eventsV1.ConversationUpdated): ConversationRecord {
  const { structured } = event;
  return {
    keyId: event.keyId,
    revision: event.revision,
    conversation: {
      id: event.requestId,
      workspace: event.workspace,
      uid: event.uid,
      created_at: isoOf(event.createdAt),
      started_at: isoOf(event.startedAt),
      finished_at: event.finishedAt ? isoOf(event.finishedAt) : null,
      language: event.language,
      status: event.status as StoredConversation['status'],
      transcript_segments: event.transcriptSegments.map(fromSegmentMessage),
      structured: structured
        ? {
            title: structured.title,
            overview: structured.overview,
            emoji: structured.emoji,
            category: structured.category,
            action_items: structured.actionItems.map((item) => ({
              description: item.description,
              completed: item.completed,
              due_at: item.dueAt === '' ? null : item.dueAt,
            })),
            events: structured.events.map((item) => ({ title: item.title, description: item.description, start: item.start, duration: item.duration })),
          }
        : null,
      memories: event.memories.map((memory) => ({ id: memory.id, content: memory.content, category: memory.category })),
      discarded: event.discarded,
      source: event.source as StoredConversation['source'],
      geolocation: null,
    },
  };
}

/**
 * Writes the edge events of a batch into the conversation tables (the
 * observability consumers' sink in distributed mode); other events are
 * someone else's. Conversations go before segments, so the segments of a
 * conversation first seen in this batch have their row.
 */
export class ConversationEventSink implements EventSink {
  readonly name = 'conversations';

  constructor(private readonly writer: ConversationWriter) {}

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    const latest = new Map<string, eventsV1.ConversationUpdated>();
    const segments: eventsV1.TranscriptSegmentsUpdated[] = [];
    for (const item of events) {
      if (item.kind === 'conversation-updated') {
        const known = latest.get(item.event.requestId);
        if (!known || known.revision < item.event.revision) latest.set(item.event.requestId, item.event);
      } else if (item.kind === 'transcript-segments-updated') segments.push(item.event);
    }
    for (const event of latest.values()) await this.writer.saveConversation(conversationOfEvent(event));
    for (const event of segments) await this.writer.saveSegments(event.requestId, event.segments.map(fromSegmentMessage));
  }
}

function toSegmentMessage(segment: TranscriptSegment): eventsV1.TranscriptSegment {
  return create(eventsV1.TranscriptSegmentSchema, {
    id: segment.id,
    text: segment.text,
    speaker: segment.speaker,
    speakerId: segment.speaker_id,
    isUser: segment.is_user,
    personId: segment.person_id ?? '',
    start: segment.start,
    end: segment.end,
    speechProfileProcessed: segment.speech_profile_processed,
    sttProvider: segment.stt_provider,
  });
}

function fromSegmentMessage(segment: eventsV1.TranscriptSegment): TranscriptSegment {
  return {
    id: segment.id,
    text: segment.text,
    speaker: segment.speaker,
    speaker_id: segment.speakerId,
    is_user: segment.isUser,
    person_id: segment.personId === '' ? null : segment.personId,
    start: segment.start,
    end: segment.end,
    translations: [],
    speech_profile_processed: segment.speechProfileProcessed,
    stt_provider: segment.sttProvider,
  };
}

function isoOf(timestamp: Parameters<typeof timestampDate>[0] | undefined): string {
  return (timestamp ? timestampDate(timestamp) : new Date(0)).toISOString();
}
