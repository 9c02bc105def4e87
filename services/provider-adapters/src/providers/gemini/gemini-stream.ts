import { providerBadResponse, type ProviderError, type StreamPart } from '@switchyard/shared';
import { describeSchemaError, geminiResponseSchema, type GeminiPart, type GeminiResponse, type GeminiUsage } from './gemini-api';
import { generatedId } from './convert-gemini-response';
import { convertGeminiUsage, hasTokenCounts } from './convert-gemini-usage';
import { geminiStreamError } from './gemini-error';
import { StreamedFunctionCallArguments } from './gemini-function-call-arguments';
import { mapGeminiBlockReason, mapGeminiFinishReason } from './map-gemini-finish-reason';

const NONE: readonly StreamPart[] = [];

/** What the stream has said so far of one candidate (one choice). */
interface CandidateState {
  toolCallCount: number;
  /** A function call whose arguments are still being streamed (`willContinue`). */
  open?: { index: number; argumentsSoFar: StreamedFunctionCallArguments };
  finished: boolean;
}

/**
 * The state machine from `streamGenerateContent?alt=sse` chunks to canonical
 * stream parts, fed one SSE `data` payload at a time. Each chunk is a
 * `GenerateContentResponse` holding the next parts of each candidate:
 *
 * - the first chunk → `response-start`
 * - a thought part → `reasoning-delta`; a `thoughtSignature` on any part →
 *   `reasoning-signature`, closing the thought run before it (after the
 *   thought's own text, before a text or function call part's content)
 * - a text part → `text-delta`
 * - a function call with its `args` → `tool-call-start` and one
 *   `tool-call-delta`; a call whose arguments are streamed (`willContinue`,
 *   then `partialArgs` at JSON paths) → `tool-call-start`, and its arguments
 *   as one `tool-call-delta` once the call is complete (a chunk without
 *   `willContinue`, the next call, or the finish)
 * - `finishReason` → `finish` (`tool_calls` when the candidate called tools)
 * - `error` → a thrown `ProviderError`
 *
 * Usage is cumulative in every chunk; the last counts become the `usage`
 * part when the body ends. A prompt blocked before any candidate
 * (`promptFeedback.blockReason`) finishes as `content_filter`. A payload
 * that is not a valid chunk throws `providerBadResponse`.
 */
export class GeminiStreamTransformer {
  private started = false;
  private blocked = false;
  private usage: GeminiUsage | undefined;
  private usageSent = false;
  private readonly candidates = new Map<number, CandidateState>();

  constructor(
    private readonly providerId: string,
    private readonly model: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The parts produced by the `data` of one SSE event. */
  push(data: string): readonly StreamPart[] {
    if (data === '') return NONE;
    const chunk = this.parse(data);
    if (chunk.error) throw geminiStreamError(this.providerId, chunk.error);
    const parts: StreamPart[] = [];
    if (!this.started) {
      this.started = true;
      parts.push({
        type: 'response-start',
        id: chunk.responseId ?? generatedId('gemini'),
        model: chunk.modelVersion ?? this.model,
        created: this.now(),
      });
    }
    if (hasTokenCounts(chunk.usageMetadata)) this.usage = chunk.usageMetadata;
    (chunk.candidates ?? []).forEach((candidate, position) => {
      const choice = candidate.index ?? position;
      const state = this.candidate(choice);
      if (state.finished) return;
      for (const part of candidate.content?.parts ?? []) this.part(choice, state, part, parts);
      if (candidate.finishReason != null) {
        this.closeOpenCall(choice, state, parts);
        state.finished = true;
        parts.push({ type: 'finish', choice, finishReason: mapGeminiFinishReason(candidate.finishReason, state.toolCallCount > 0) });
      }
    });
    if (chunk.promptFeedback?.blockReason != null && this.candidates.size === 0 && !this.blocked) {
      this.blocked = true;
      parts.push({ type: 'finish', choice: 0, finishReason: mapGeminiBlockReason() });
    }
    return parts;
  }

  /** The parts still owed once the body has ended; throws if the response was cut off. */
  end(): readonly StreamPart[] {
    if (!this.started) throw this.badResponse('the stream ended before any chunk');
    const unfinished = [...this.candidates.values()].some((state) => !state.finished);
    if (unfinished || (this.candidates.size === 0 && !this.blocked)) throw this.badResponse('the stream ended before the response was complete');
    if (this.usageSent || !this.usage) return NONE;
    this.usageSent = true;
    return [{ type: 'usage', usage: convertGeminiUsage(this.usage) }];
  }

  private part(choice: number, state: CandidateState, part: GeminiPart, parts: StreamPart[]): void {
    if (part.thought) {
      if (part.text) parts.push({ type: 'reasoning-delta', choice, text: part.text });
      if (part.thoughtSignature) parts.push({ type: 'reasoning-signature', choice, signature: part.thoughtSignature });
      return;
    }
    if (part.thoughtSignature) parts.push({ type: 'reasoning-signature', choice, signature: part.thoughtSignature });
    if (part.text) parts.push({ type: 'text-delta', choice, text: part.text });
    const call = part.functionCall;
    if (!call) return;
    if (call.name) {
      this.closeOpenCall(choice, state, parts);
      const index = state.toolCallCount++;
      parts.push({ type: 'tool-call-start', choice, index, id: call.id ?? generatedId('call'), name: call.name });
      if (call.args != null) {
        parts.push({ type: 'tool-call-delta', choice, index, argumentsDelta: JSON.stringify(call.args) });
        return;
      }
      state.open = { index, argumentsSoFar: new StreamedFunctionCallArguments() };
    }
    // The arguments of the open call, as they stream; a chunk without `willContinue` completes it.
    if (!state.open) return;
    if (call.partialArgs) state.open.argumentsSoFar.add(call.partialArgs);
    if (call.willContinue !== true) this.closeOpenCall(choice, state, parts);
  }

  private closeOpenCall(choice: number, state: CandidateState, parts: StreamPart[]): void {
    if (!state.open) return;
    parts.push({ type: 'tool-call-delta', choice, index: state.open.index, argumentsDelta: state.open.argumentsSoFar.toJson() });
    state.open = undefined;
  }

  private candidate(choice: number): CandidateState {
    let state = this.candidates.get(choice);
    if (!state) {
      state = { toolCallCount: 0, finished: false };
      this.candidates.set(choice, state);
    }
    return state;
  }

  private parse(data: string): GeminiResponse {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw this.badResponse(`a stream chunk is not JSON: ${data.slice(0, 200)}`);
    }
    const parsed = geminiResponseSchema.safeParse(json);
    if (!parsed.success) throw this.badResponse(`a stream chunk is malformed (${describeSchemaError(parsed.error)}): ${data.slice(0, 200)}`);
    return parsed.data;
  }

  private badResponse(detail: string): ProviderError {
    return providerBadResponse(this.providerId, detail);
  }
}
