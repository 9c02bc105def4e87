import { toBinary } from '@bufbuild/protobuf';
import { decodeEvent, encodeEvent, TOPICS } from '@switchyard/events';
import { eventsV1 } from '@switchyard/proto';
import type { StoredConversation } from '../contracts';
import { conversationEvent, conversationOfEvent, segmentsEvent } from './conversation-events';

const CONVERSATION: StoredConversation = {
  id: 'conv_0123',
  workspace: 'team-a',
  uid: 'user-1',
  created_at: '2026-12-05T09:00:00.000Z',
  started_at: '2026-12-05T08:59:58.500Z',
  finished_at: '2026-12-05T09:04:00.000Z',
  language: 'de',
  status: 'completed',
  transcript_segments: [
    {
      id: 's1',
      text: 'Grüß Gott 👋',
      speaker: 'SPEAKER_01',
      speaker_id: 1,
      is_user: true,
      person_id: 'person-9',
      start: 0.25,
      end: 1.75,
      translations: [],
      speech_profile_processed: true,
      stt_provider: 'offline',
    },
  ],
  structured: {
    title: 'Morgen',
    overview: 'Ein Gruß.',
    emoji: '☀️',
    category: 'social',
    action_items: [
      { description: 'Zurückrufen', completed: true, due_at: null },
      { description: 'Brot kaufen', completed: false, due_at: '2026-12-06T10:00:00Z' },
    ],
    events: [{ title: 'Treffen', description: 'Café', start: '2026-12-07T15:00:00Z', duration: 45 }],
  },
  memories: [{ id: 'conv_0123_m1', content: 'Grüßt morgens.', category: 'interesting' }],
  discarded: false,
  source: 'sync',
  geolocation: null,
};

describe('conversation events', () => {
  const at = new Date('2026-12-05T09:04:00Z');

  it('carry a conversation through Kafka’s encoding and back exactly, on its topic and key', () => {
    const item = conversationEvent({ conversation: CONVERSATION, keyId: 'key_a', revision: 4 }, at);
    const encoded = encodeEvent(item);
    expect(encoded.topic).toBe(TOPICS.conversationUpdated);
    expect(encoded.key).toBe('team-a:conv_0123');
    expect(encoded.headers['switchyard-event-type']).toBe('switchyard.events.v1.ConversationUpdated');
    // The compiled encoder writes what protobuf-es writes.
    expect(Buffer.from(encoded.value).equals(Buffer.from(toBinary(eventsV1.ConversationUpdatedSchema, item.event as eventsV1.ConversationUpdated)))).toBe(true);
    const decoded = decodeEvent(encoded.topic, encoded.value);
    expect(decoded.kind).toBe('conversation-updated');
    expect(conversationOfEvent(decoded.event as eventsV1.ConversationUpdated)).toEqual({ conversation: CONVERSATION, keyId: 'key_a', revision: 4 });
  });

  it('keep an open conversation open and unsummarised', () => {
    const open: StoredConversation = { ...CONVERSATION, finished_at: null, status: 'in_progress', structured: null, memories: [] };
    const decoded = decodeEvent(TOPICS.conversationUpdated, encodeEvent(conversationEvent({ conversation: open, keyId: '', revision: 1 }, at)).value);
    expect(conversationOfEvent(decoded.event as eventsV1.ConversationUpdated).conversation).toEqual(open);
  });

  it('put segment updates on their own topic with the conversation as key', () => {
    const encoded = encodeEvent(segmentsEvent(CONVERSATION, 'key_a', CONVERSATION.transcript_segments, at));
    expect({ topic: encoded.topic, key: encoded.key }).toEqual({ topic: TOPICS.transcriptSegments, key: 'team-a:conv_0123' });
    const decoded = decodeEvent(encoded.topic, encoded.value).event as eventsV1.TranscriptSegmentsUpdated;
    expect(decoded).toMatchObject({ requestId: 'conv_0123', workspace: 'team-a', keyId: 'key_a', uid: 'user-1' });
    expect(decoded.segments[0]).toMatchObject({ id: 's1', text: 'Grüß Gott 👋', personId: 'person-9', start: 0.25, end: 1.75, isUser: true });
  });
});
