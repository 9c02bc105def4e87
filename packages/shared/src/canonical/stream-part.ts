import type { FinishReason } from './finish-reason';
import type { Usage } from './usage';

/**
 * One element of a streamed response. A provider stream is transformed into
 * these, and these into the client's format. `choice` is the choice index
 * (0 unless the request asked for several); `index` on tool-call parts is the
 * position of the call within that choice.
 */
export type StreamPart =
  ResponseStartPart | TextDeltaPart | ReasoningDeltaPart | RefusalDeltaPart | ToolCallStartPart | ToolCallDeltaPart | FinishPart | UsagePart;

/** Always the first part of a stream. */
export interface ResponseStartPart {
  type: 'response-start';
  id: string;
  model: string;
  created: number;
  systemFingerprint?: string;
}

export interface TextDeltaPart {
  type: 'text-delta';
  choice: number;
  text: string;
}

export interface ReasoningDeltaPart {
  type: 'reasoning-delta';
  choice: number;
  text: string;
}

export interface RefusalDeltaPart {
  type: 'refusal-delta';
  choice: number;
  text: string;
}

export interface ToolCallStartPart {
  type: 'tool-call-start';
  choice: number;
  index: number;
  id: string;
  name: string;
}

export interface ToolCallDeltaPart {
  type: 'tool-call-delta';
  choice: number;
  index: number;
  argumentsDelta: string;
}

export interface FinishPart {
  type: 'finish';
  choice: number;
  finishReason: FinishReason;
}

/** At most once, after every finish part. */
export interface UsagePart {
  type: 'usage';
  usage: Usage;
}
