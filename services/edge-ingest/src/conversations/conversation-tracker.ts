import { randomUUID } from 'node:crypto';
import type { EventPublisher } from '@switchyard/events';
import type { Logger } from '@switchyard/shared';
import type {
  ConversationEvent,
  ConversationHandle,
  ConversationTracker,
  StoredConversation,
  StreamOwner,
  TranscriptSegment,
} from '../contracts';
import { conversationEvent, segmentsEvent } from './conversation-events';
import type { ConversationRecord, ConversationWriter } from './conversation-store';
import type { ConversationSummarizer } from './conversation-summarizer';

/** `conversation_timeout=-1`: four hours. */
export const LONGEST_TIMEOUT_SECONDS = 4 * 3600;

/** The developer webhooks a conversation feeds (conversation-webhooks.ts); each call returns at once. */
export interface ConversationNotifier {
  transcript(owner: StreamOwner, conversationId: string, segments: readonly TranscriptSegment[]): void;
  audio(owner: StreamOwner, conversationId: string, samples: Int16Array, sampleRate: number): void;
  conversationCreated(owner: StreamOwner, conversation: StoredConversation): void;
  /** Stops buffering a stream's audio for this conversation (sends what is buffered). */
  streamEnded?(owner: StreamOwner, conversationId: string): void;
}

export interface ConversationTrackerOptions {
  summarizer: ConversationSummarizer;
  /** Where conversations are stored (the records database in one process); none: only published. */
  store?: ConversationWriter;
  /** Segment and conversation events (Kafka in distributed mode). */
  publisher?: EventPublisher;
  notifier?: ConversationNotifier;
  logger: Logger;
  /** Shorter `conversation_timeout`s are raised to this (Omi's 120 s); lower only in tests. */
  minTimeoutSeconds: number;
  /** How often open conversations are checked for silence (Omi: 5 s). */
  checkIntervalMs: number;
  /** Milliseconds since the epoch; injectable so tests control time. */
  now?: () => number;
  newId?: () => string;
}

type Listener = (event: ConversationEvent) => void;

/** One open (or ending) conversation. */
class Conversation {
  readonly segments = new Map<string, TranscriptSegment>();
  readonly handles = new Set<StreamHandle>();
  status: StoredConversation['status'] = 'in_progress';
  finishedAt: number | null = null;
  structured: StoredConversation['structured'] = null;
  memories: StoredConversation['memories'] = [];
  revision = 0;
  /** Whether its row exists: a conversation is stored from its first segment on, never empty. */
  stored = false;
  /** Writes in order: each after the one before. */
  writes: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly owner: StreamOwner,
    readonly language: string,
    readonly source: 'omi' | 'sync',
    readonly timeoutMs: number,
    readonly createdAt: number,
    readonly startedAt: number,
    /** When it last heard speech (or a stream came or went); silence is measured from here. */
    public lastActivityAt: number,
  ) {}

  snapshot(): StoredConversation {
    return {
      id: this.id,
      workspace: this.owner.workspace,
      uid: this.owner.uid,
      created_at: new Date(this.createdAt).toISOString(),
      started_at: new Date(this.startedAt).toISOString(),
      finished_at: this.finishedAt === null ? null : new Date(this.finishedAt).toISOString(),
      language: this.language,
      status: this.status,
      transcript_segments: [...this.segments.values()].sort((a, b) => a.start - b.start),
      structured: this.structured,
      memories: this.memories,
      discarded: false,
      source: this.source,
      geolocation: null,
    };
  }

  emit(event: ConversationEvent): void {
    for (const handle of this.handles) handle.deliver(event);
  }
}

/**
 * Opens, resumes, ends, summarises, stores and publishes conversations.
 *
 * One conversation is open per user and source: a stream that opens within
 * the timeout resumes it (a phone that reconnected). It ends after
 * `conversation_timeout` seconds without speech, checked every
 * `checkIntervalMs`, even while a stream is attached; the stream's next
 * speech then starts a new one. An ended conversation with speech is
 * summarised through the chat route (`memory_processing_started`, then
 * `memory_created` on the attached sockets), stored and published at each
 * step; one without speech is dropped.
 */
export class SummarizingConversationTracker implements ConversationTracker {
  private readonly openConversations = new Map<string, Conversation>();
  private readonly summaries = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private readonly newId: () => string;
  private closed = false;

  constructor(private readonly options: ConversationTrackerOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => `conv_${randomUUID().replaceAll('-', '')}`);
    this.timer = setInterval(() => this.endSilent(), options.checkIntervalMs);
    this.timer.unref();
  }

  /** Conversations open now (for metrics and tests). */
  get openCount(): number {
    return this.openConversations.size;
  }

  async open(
    owner: StreamOwner,
    options: { language: string; timeoutSeconds: number; source: 'omi' | 'sync'; startedAt?: Date },
  ): Promise<ConversationHandle> {
    if (this.closed) throw new Error('The conversation tracker is closed.');
    const now = this.now();
    const startedAt = options.startedAt?.getTime() ?? now;
    const key = ownerKey(owner, options.source);
    const known = this.openConversations.get(key);
    const resumable = known !== undefined && this.resumes(known, startedAt);
    const conversation = resumable ? known : this.start(owner, options, startedAt, now);
    if (!resumable && known) this.end(known);
    if (resumable) known.lastActivityAt = Math.max(known.lastActivityAt, now);
    this.openConversations.set(key, conversation);
    const handle = new StreamHandle(this, conversation, resumable, (startedAt - conversation.startedAt) / 1000);
    conversation.handles.add(handle);
    return handle;
  }

  /** Ends what is open (summarising it) and waits for the summaries under way. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const conversation of [...this.openConversations.values()]) this.end(conversation);
    this.openConversations.clear();
    while (this.summaries.size > 0) await Promise.allSettled([...this.summaries]);
  }

  /** Stops the summaries under way (their conversations are stored as failed) and closes. */
  async abortAndClose(): Promise<void> {
    this.abort.abort(new Error('The conversation tracker is closing.'));
    await this.close();
  }

  /** New or grown segments of a handle's conversation. */
  segmentsOf(conversation: Conversation, updated: TranscriptSegment[]): void {
    if (updated.length === 0) return;
    conversation.lastActivityAt = this.now();
    for (const segment of updated) conversation.segments.set(segment.id, segment);
    const { owner } = conversation;
    if (!conversation.stored) {
      conversation.stored = true;
      this.persist(conversation);
    } else {
      const snapshot = conversation.snapshot();
      this.write(conversation, async () => {
        await this.options.store?.saveSegments(conversation.id, updated);
        this.options.publisher?.publish(segmentsEvent(snapshot, owner.keyId, updated, new Date(this.now())));
      });
    }
    this.options.notifier?.transcript(owner, conversation.id, updated);
  }

  audioOf(conversation: Conversation, samples: Int16Array, sampleRate: number): void {
    this.options.notifier?.audio(conversation.owner, conversation.id, samples, sampleRate);
  }

  detach(handle: StreamHandle, conversation: Conversation): void {
    conversation.handles.delete(handle);
    if (conversation.status === 'in_progress') conversation.lastActivityAt = Math.max(conversation.lastActivityAt, this.now());
    if (conversation.handles.size === 0) this.options.notifier?.streamEnded?.(conversation.owner, conversation.id);
  }

  /**
   * The conversation a handle's next segments go to: its own while open;
   * after it ended, a new one that starts where those segments start.
   */
  successorOf(handle: StreamHandle, ended: Conversation, startedAt: number): Conversation {
    const key = ownerKey(ended.owner, ended.source);
    const current = this.openConversations.get(key);
    if (current && current !== ended) {
      current.handles.add(handle);
      return current;
    }
    const now = this.now();
    const next = this.start(ended.owner, { language: ended.language, timeoutSeconds: ended.timeoutMs / 1000, source: ended.source }, startedAt, now);
    this.openConversations.set(key, next);
    next.handles.add(handle);
    return next;
  }

  private resumes(conversation: Conversation, startedAt: number): boolean {
    if (conversation.status !== 'in_progress') return false;
    // A live stream resumes while the conversation is open; a synced recording when it begins within the timeout of the last speech.
    if (conversation.source === 'omi') return true;
    const lastSpeech = conversation.startedAt + 1000 * Math.max(0, ...[...conversation.segments.values()].map((segment) => segment.end));
    return startedAt >= conversation.startedAt && startedAt - lastSpeech <= conversation.timeoutMs;
  }

  private start(
    owner: StreamOwner,
    options: { language: string; timeoutSeconds: number; source: 'omi' | 'sync' },
    startedAt: number,
    now: number,
  ): Conversation {
    const seconds =
      options.timeoutSeconds === -1 ? LONGEST_TIMEOUT_SECONDS : Math.min(LONGEST_TIMEOUT_SECONDS, Math.max(this.options.minTimeoutSeconds, options.timeoutSeconds));
    return new Conversation(this.newId(), owner, options.language, options.source, seconds * 1000, now, startedAt, now);
  }

  private endSilent(): void {
    const now = this.now();
    for (const conversation of this.openConversations.values()) if (now - conversation.lastActivityAt >= conversation.timeoutMs) this.end(conversation);
  }

  /** Ends a conversation: dropped without speech, else summarised, stored and announced. */
  private end(conversation: Conversation): void {
    const key = ownerKey(conversation.owner, conversation.source);
    if (this.openConversations.get(key) === conversation) this.openConversations.delete(key);
    if (conversation.status !== 'in_progress') return;
    conversation.finishedAt = this.now();
    if (conversation.segments.size === 0) {
      conversation.status = 'completed';
      this.options.logger.debug({ conversationId: conversation.id }, 'conversation-dropped-without-speech');
      return;
    }
    conversation.status = 'processing';
    const processing = this.persist(conversation);
    conversation.emit({ type: 'memory_processing_started', memory: processing });
    const summary = this.summarize(conversation).finally(() => this.summaries.delete(summary));
    this.summaries.add(summary);
  }

  private async summarize(conversation: Conversation): Promise<void> {
    const { logger, summarizer } = this.options;
    try {
      const summary = await summarizer.summarize(conversation.snapshot(), conversation.owner, this.abort.signal);
      conversation.structured = summary.structured;
      conversation.memories = summary.memories.map((memory, index) => ({ id: `${conversation.id}_m${index + 1}`, ...memory }));
      conversation.status = 'completed';
    } catch (error) {
      conversation.status = 'failed';
      logger.warn({ conversationId: conversation.id, workspace: conversation.owner.workspace, error: (error as Error).message }, 'conversation-summary-failed');
    }
    const stored = this.persist(conversation);
    // Sockets hear of it once it is stored: what they are told is what the API answers.
    await conversation.writes;
    if (conversation.status !== 'completed') return;
    conversation.emit({ type: 'memory_created', memory: stored, messages: [] });
    this.options.notifier?.conversationCreated(conversation.owner, stored);
  }

  /** Stores and publishes the conversation's state now (a new revision); returns that state. */
  private persist(conversation: Conversation): StoredConversation {
    conversation.revision += 1;
    const record: ConversationRecord = { conversation: conversation.snapshot(), keyId: conversation.owner.keyId, revision: conversation.revision };
    this.write(conversation, async () => {
      await this.options.store?.saveConversation(record);
      this.options.publisher?.publish(conversationEvent(record, new Date(this.now())));
    });
    return record.conversation;
  }

  private write(conversation: Conversation, work: () => Promise<void>): void {
    conversation.writes = conversation.writes.then(work).catch((error: unknown) => {
      this.options.logger.error({ conversationId: conversation.id, err: error }, 'conversation-store-failed');
    });
  }
}

/** One stream's hold on its conversation; follows it into the next one when it ends while the stream goes on. */
class StreamHandle implements ConversationHandle {
  private readonly listeners = new Set<Listener>();
  /** Wall time (ms) of this stream's clock zero: the start of the conversation it opened. */
  private readonly origin: number;
  private detached = false;

  constructor(
    private readonly tracker: SummarizingConversationTracker,
    private conversation: Conversation,
    readonly resumed: boolean,
    readonly offsetSeconds: number,
  ) {
    this.origin = conversation.startedAt;
  }

  get id(): string {
    return this.conversation.id;
  }

  segments(updated: TranscriptSegment[]): void {
    if (this.detached || updated.length === 0) return;
    if (this.conversation.status !== 'in_progress') {
      const firstSpeech = this.origin + Math.round(1000 * Math.min(...updated.map((segment) => segment.start)));
      this.conversation.handles.delete(this);
      this.conversation = this.tracker.successorOf(this, this.conversation, firstSpeech);
    }
    // The pipeline's clock is the first conversation's; a later one starts further on.
    const shift = (this.conversation.startedAt - this.origin) / 1000;
    this.tracker.segmentsOf(
      this.conversation,
      shift === 0 ? updated : updated.map((segment) => ({ ...segment, start: segment.start - shift, end: segment.end - shift })),
    );
  }

  audio(samples: Int16Array, sampleRate: number): void {
    if (!this.detached) this.tracker.audioOf(this.conversation, samples, sampleRate);
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.listeners.clear();
    this.tracker.detach(this, this.conversation);
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(event: ConversationEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function ownerKey(owner: StreamOwner, source: 'omi' | 'sync'): string {
  return `${owner.workspace}\u0000${owner.uid}\u0000${source}`;
}
