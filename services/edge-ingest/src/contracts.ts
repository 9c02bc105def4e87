/**
 * The seams between the edge-ingest parts: the socket (omi/), the audio
 * pipeline (vad/, stt/, segments/) and the conversations (conversations/).
 * Each part codes against these, so one can be tested without the others.
 */

/**
 * A transcript segment exactly as Omi's app reads it. A segment that grows is
 * sent again with the same `id`: clients upsert by id. `start`/`end` are
 * seconds from the conversation's start.
 */
export interface TranscriptSegment {
  id: string;
  text: string;
  speaker: string;
  speaker_id: number;
  is_user: boolean;
  person_id: string | null;
  start: number;
  end: number;
  translations: unknown[];
  speech_profile_processed: boolean;
  stt_provider: string;
}

/** Who a stream belongs to: the user comes from the credential, never from the query. */
export interface StreamOwner {
  workspace: string;
  /** The caller's user id (the key's owner or the token's subject). */
  uid: string;
  /** The key the stream authenticated with, for records and budgets; empty without one. */
  keyId: string;
  /**
   * The stream's own bearer credential, so speech-to-text and summaries sent
   * through the gateway are the caller's requests (recorded and budgeted as
   * theirs). Undefined when the gateway asks for none. Never logged.
   */
  credential?: string;
}

/** One utterance's (or a growing utterance's) audio, 16-bit mono PCM. */
export interface SpeechAudio {
  samples: Int16Array;
  sampleRate: number;
  /** BCP-47 language of the stream (`en`, `de`, …). */
  language: string;
}

/** What a speech-to-text engine heard in one piece of audio. */
export interface Transcription {
  text: string;
  /** Word timings in seconds from the start of the audio, when the engine gives them. */
  words?: { word: string; start: number; end: number }[];
}

/**
 * A speech-to-text engine behind one interface: the offline engine in this
 * process, or cloud speech-to-text through the gateway's own
 * `/v1/audio/transcriptions`. Throwing `SpeechToTextUnavailable` means the
 * engine is gone (the socket then says `stt_failed` and closes with 1011).
 */
export interface SpeechToText {
  /** The `stt_provider` segments carry. */
  readonly id: string;
  transcribe(audio: SpeechAudio, owner: StreamOwner, signal?: AbortSignal): Promise<Transcription>;
  close(): Promise<void>;
}

export class SpeechToTextUnavailable extends Error {
  override readonly name = 'SpeechToTextUnavailable';
}

/** The pipeline's answers to the socket (and through it to the conversation). */
export interface AudioPipelineListener {
  /** New or grown segments (upserts by id), about every 0.6 s while there is speech. */
  segments(updated: TranscriptSegment[]): void;
  /** Voice activity changed (server-side VAD): a relay may stop sending during silence. */
  voiceActivity(speaking: boolean, atSeconds: number): void;
  /** Speech-to-text failed for good: the socket reports `stt_failed` and closes with 1011. */
  failed(error: Error): void;
}

/**
 * Decoded audio in, segments out: voice-activity detection, then speech to
 * text per utterance. One per stream; `atSeconds` is on the conversation's
 * clock (a resumed conversation continues it).
 */
export interface AudioPipeline {
  /** Decoded PCM at the stream's sample rate, in order. Returns false when it sheds (its queue is full). */
  push(samples: Int16Array, atSeconds: number): boolean;
  /** Ends the stream: what is pending is transcribed and reported before it resolves. */
  finish(): Promise<void>;
  /** Stops at once, dropping what is pending. */
  close(): Promise<void>;
}

export interface AudioPipelineOptions {
  owner: StreamOwner;
  conversationId: string;
  language: string;
  sampleRate: number;
  /** Seconds on the conversation's clock where this stream starts (0 for a new conversation). */
  offsetSeconds: number;
}

export type AudioPipelineFactory = (options: AudioPipelineOptions, listener: AudioPipelineListener) => AudioPipeline;

/** The server → client events of Omi's protocol that the conversation produces. */
export type ConversationEvent =
  { type: 'memory_processing_started'; memory: StoredConversation } | { type: 'memory_created'; memory: StoredConversation; messages: unknown[] };

/** Omi's structured summary of a conversation. */
export interface ConversationStructure {
  title: string;
  overview: string;
  emoji: string;
  category: string;
  action_items: { description: string; completed: boolean; due_at: string | null }[];
  events: { title: string; description: string; start: string; duration: number }[];
}

/** A conversation as `GET /v1/conversations/{id}` and the conversation-created webhook show it. */
export interface StoredConversation {
  id: string;
  workspace: string;
  uid: string;
  created_at: string;
  started_at: string;
  finished_at: string | null;
  language: string;
  status: 'in_progress' | 'processing' | 'completed' | 'failed';
  transcript_segments: TranscriptSegment[];
  structured: ConversationStructure | null;
  memories: { id: string; content: string; category: string }[];
  discarded: boolean;
  source: 'omi' | 'sync';
  geolocation: null;
}

/** One stream's hold on its conversation (a reconnect within the timeout gets the same conversation). */
export interface ConversationHandle {
  readonly id: string;
  /** Whether this stream resumed an open conversation. */
  readonly resumed: boolean;
  /** Where this stream starts on the conversation's clock (seconds). */
  readonly offsetSeconds: number;
  /** Segments from the pipeline (upserts by id). */
  segments(updated: TranscriptSegment[]): void;
  /** Decoded audio, for the audio-bytes webhook. */
  audio(samples: Int16Array, sampleRate: number): void;
  /** The stream ended (the conversation stays open until `conversation_timeout` of silence). */
  detach(): void;
  /** Events for the socket while attached; returns the unsubscribe. */
  onEvent(listener: (event: ConversationEvent) => void): () => void;
}

/** Opens, resumes, ends, summarises, stores and publishes conversations. */
export interface ConversationTracker {
  open(
    owner: StreamOwner,
    options: { language: string; timeoutSeconds: number; source: 'omi' | 'sync'; startedAt?: Date },
  ): Promise<ConversationHandle>;
  close(): Promise<void>;
}
