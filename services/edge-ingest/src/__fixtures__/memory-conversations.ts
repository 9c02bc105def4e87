import type { ConversationEvent, ConversationHandle, ConversationTracker, StreamOwner, TranscriptSegment } from '../contracts';

/** What the in-memory tracker keeps of one conversation. */
export interface MemoryConversation {
  id: string;
  owner: StreamOwner;
  source: 'omi' | 'sync';
  startedAt?: Date;
  segments: Map<string, TranscriptSegment>;
  audioSeconds: number;
  /** Where the next stream starts on the conversation's clock. */
  endSeconds: number;
  attached: number;
  listeners: Set<(event: ConversationEvent) => void>;
}

/**
 * A small real `ConversationTracker` for tests of the socket: one open
 * conversation per user, resumed by the next stream while it is open
 * (nothing here ends it: the tests of the tracker itself cover timeouts).
 */
export class MemoryConversationTracker implements ConversationTracker {
  readonly conversations: MemoryConversation[] = [];
  private sequence = 0;

  async open(owner: StreamOwner, options: { language: string; timeoutSeconds: number; source: 'omi' | 'sync'; startedAt?: Date }): Promise<ConversationHandle> {
    const open = options.source === 'omi' ? this.conversations.find((conversation) => conversation.owner.uid === owner.uid && conversation.source === 'omi') : undefined;
    const conversation: MemoryConversation = open ?? {
      id: `conv_${++this.sequence}`,
      owner,
      source: options.source,
      startedAt: options.startedAt,
      segments: new Map(),
      audioSeconds: 0,
      endSeconds: 0,
      attached: 0,
      listeners: new Set(),
    };
    if (!open) this.conversations.push(conversation);
    conversation.attached++;
    const offsetSeconds = conversation.endSeconds;
    let ownListener: ((event: ConversationEvent) => void) | undefined;
    return {
      id: conversation.id,
      resumed: open !== undefined,
      offsetSeconds,
      segments: (updated) => {
        for (const segment of updated) conversation.segments.set(segment.id, segment);
      },
      audio: (samples, sampleRate) => {
        conversation.audioSeconds += samples.length / sampleRate;
        conversation.endSeconds = offsetSeconds + conversation.audioSeconds;
      },
      detach: () => {
        conversation.attached--;
        if (ownListener) conversation.listeners.delete(ownListener);
      },
      onEvent: (listener) => {
        ownListener = listener;
        conversation.listeners.add(listener);
        return () => conversation.listeners.delete(listener);
      },
    };
  }

  /** Sends an event to the streams attached to a conversation. */
  emit(conversationId: string, event: ConversationEvent): void {
    for (const listener of this.conversations.find((conversation) => conversation.id === conversationId)?.listeners ?? []) listener(event);
  }

  async close(): Promise<void> {}
}
