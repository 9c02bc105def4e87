import type { FinishReason } from './finish-reason';
import type { Usage } from './usage';

/**
 * One element of a streamed response. A provider stream is transformed into
 * these, and these into the client's format. `choice` is the choice index
 * (0 unless the request asked for several); `index` on tool-call parts is the
 * position of the call within that choice.
 */
export type StreamPart =
  | ResponseStartPart
  | TextDeltaPart
  | ReasoningDeltaPart
  | ReasoningSignaturePart
  | RedactedReasoningPart
  | RefusalDeltaPart
  | ToolCallStartPart
  | ToolCallDeltaPart
  | FinishPart
  | UsagePart;

/** Always the first part of a stream. */
export interface ResponseStartPart {
  type: 'response-start';
  id: string;
  model: string;
  created: number;
  systemFingerprint?: string;
  serviceTier?: string;
  /** See `ChatResponse.droppedParams`: known before the first byte, so it can go in a header. */
  droppedParams?: string[];
}

export interface TextDeltaPart {
  type: 'text-delta';
  choice: number;
  text: string;
  /** OpenAI's `logprobs` of this chunk's choice, passed through. */
  logprobs?: Record<string, unknown>;
}

export interface ReasoningDeltaPart {
  type: 'reasoning-delta';
  choice: number;
  text: string;
}

/**
 * Closes the reasoning block that the reasoning deltas since the previous
 * block built, with the provider's signature over it; a stream's reasoning
 * blocks are the runs of deltas each closed by one of these.
 */
export interface ReasoningSignaturePart {
  type: 'reasoning-signature';
  choice: number;
  signature: string;
}

/** A whole redacted (encrypted) reasoning block. */
export interface RedactedReasoningPart {
  type: 'redacted-reasoning';
  choice: number;
  data: string;
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
