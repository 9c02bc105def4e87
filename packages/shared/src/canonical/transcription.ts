import type { Usage } from './usage';

/** The answers OpenAI's transcription endpoint can give (`response_format`). */
export const transcriptionResponseFormats = ['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json'] as const;
export type TranscriptionResponseFormat = (typeof transcriptionResponseFormats)[number];

/** The uploaded audio, as the client sent it. */
export interface AudioFile {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/**
 * One audio transcription, OpenAI's multipart request read into fields.
 * Form fields Switchyard does not model (`chunking_strategy`,
 * `known_speaker_names[]`, ...) travel in `extraFields` and are sent on as
 * they came: the upstreams that take this request speak the same format.
 */
export interface TranscriptionRequest {
  model: string;
  file: AudioFile;
  responseFormat: TranscriptionResponseFormat;
  language?: string;
  prompt?: string;
  temperature?: number;
  /** `word`, `segment` (with `verbose_json`). */
  timestampGranularities: string[];
  /** `logprobs`. */
  include: string[];
  extraFields: [name: string, value: string][];
}

/**
 * The provider's answer in the format asked for, kept as sent (its JSON,
 * or the text, SRT or WebVTT), with what the request record needs read
 * out of it.
 */
export interface TranscriptionResponse {
  model: string;
  contentType: string;
  body: string;
  /** The transcript alone. */
  text: string;
  /** Seconds of audio, when the provider said (`duration`, or `usage.seconds`). */
  durationSeconds?: number;
  /** Tokens, for models billed by them (`usage.type` `tokens`). */
  usage?: Usage;
  /** Of `usage.inputTokens`, those that were audio. */
  audioInputTokens?: number;
}
