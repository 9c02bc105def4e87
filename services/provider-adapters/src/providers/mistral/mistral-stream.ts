import { providerBadResponse, type StreamPart, type Usage } from '@switchyard/shared';
import {
  describeSchemaError,
  mistralChatChunkSchema,
  mistralErrorBodySchema,
  type MistralChatChunk,
  type MistralContent,
  type MistralToolCallDelta,
} from './mistral-api';
import { argumentsText, thinkingText } from './convert-mistral-response';
import { convertMistralUsage } from './convert-mistral-usage';
import { mapMistralFinishReason } from './map-mistral-finish-reason';
import { mistralStreamError } from './mistral-error';

const NONE: readonly StreamPart[] = [];

interface ChoiceState {
  finished: boolean;
  /** Upstream tool call key (its `index`, or a number of our own for calls sent without one) → position in this choice. */
  toolCalls: Map<number, number>;
  lastKey?: number;
  lastId?: string;
}

/**
 * The state machine from Mistral chat completion chunks to canonical stream
 * parts, fed one SSE `data` payload at a time:
 *
 * - the first chunk → `response-start`
 * - string content and `text` chunks → `text-delta`; `thinking` chunks →
 *   `reasoning-delta`, then `reasoning-signature` when the chunk carries one
 * - tool calls → `tool-call-start` and `tool-call-delta`. Mistral sends a
 *   whole call in one delta, usually without an `index`: a delta with an
 *   `index` continues the call of that index; without one, a new `id` starts
 *   a new call and no id continues the last
 * - `finish_reason` → `finish`; `usage` (on the last chunk) → `usage` at the end
 * - `[DONE]` or the end of the body ends the stream; a stream that never
 *   finished a choice is a bad response. An `error` object is thrown.
 */
export class MistralStreamTransformer {
  private started = false;
  private ended = false;
  private finishes = 0;
  private usage?: Usage;
  private nextUnindexedKey = -1;
  private readonly choices: ChoiceState[] = [];

  constructor(
    private readonly providerId: string,
    private readonly model: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  push(data: string): readonly StreamPart[] {
    if (this.ended || data === '') return NONE;
    if (data === '[DONE]') return this.end();
    const chunk = this.parse(data);
    const parts: StreamPart[] = [];
    if (!this.started) {
      this.started = true;
      parts.push({ type: 'response-start', id: chunk.id ?? '', model: chunk.model || this.model, created: chunk.created ?? this.now() });
    }
    if (chunk.usage) this.usage = convertMistralUsage(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      const state = (this.choices[index] ??= { finished: false, toolCalls: new Map() });
      const delta = choice.delta;
      if (delta?.content) this.pushContent(parts, index, delta.content);
      for (const call of delta?.tool_calls ?? []) this.pushToolCall(parts, index, state, call);
      if (choice.finish_reason && !state.finished) {
        state.finished = true;
        this.finishes++;
        parts.push({ type: 'finish', choice: index, finishReason: mapMistralFinishReason(choice.finish_reason) });
      }
    }
    return parts;
  }

  /** The parts still owed when the body ends (without `[DONE]`). */
  end(): readonly StreamPart[] {
    if (this.ended) return NONE;
    this.ended = true;
    if (this.finishes === 0) {
      throw providerBadResponse(this.providerId, this.started ? 'the stream ended before a finish_reason' : 'the stream ended before any chunk');
    }
    return this.usage ? [{ type: 'usage', usage: this.usage }] : NONE;
  }

  private parse(data: string): MistralChatChunk {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw providerBadResponse(this.providerId, `a stream event is not JSON: ${data.slice(0, 200)}`);
    }
    if ((json as { object?: unknown } | null)?.object === 'error') {
      const error = mistralErrorBodySchema.safeParse(json);
      throw mistralStreamError(this.providerId, error.success ? error.data : {});
    }
    const parsed = mistralChatChunkSchema.safeParse(json);
    if (!parsed.success) {
      throw providerBadResponse(this.providerId, `a stream chunk is malformed (${describeSchemaError(parsed.error)}): ${data.slice(0, 200)}`);
    }
    return parsed.data;
  }

  private pushContent(parts: StreamPart[], choice: number, content: MistralContent): void {
    if (typeof content === 'string') {
      parts.push({ type: 'text-delta', choice, text: content });
      return;
    }
    for (const chunk of content) {
      if (chunk.type === 'text' && chunk.text !== '') parts.push({ type: 'text-delta', choice, text: chunk.text });
      else if (chunk.type === 'thinking') {
        const text = thinkingText(chunk.thinking);
        if (text !== '') parts.push({ type: 'reasoning-delta', choice, text });
        if (chunk.signature) parts.push({ type: 'reasoning-signature', choice, signature: chunk.signature });
      }
    }
  }

  private pushToolCall(parts: StreamPart[], choice: number, state: ChoiceState, call: MistralToolCallDelta): void {
    let key = call.index;
    if (key == null) {
      const startsNew = state.lastKey === undefined || (call.id != null && call.id !== state.lastId);
      key = startsNew ? this.nextUnindexedKey-- : state.lastKey!;
    }
    let position = state.toolCalls.get(key);
    if (position === undefined) {
      const name = call.function.name;
      if (!name) throw providerBadResponse(this.providerId, `tool call ${key} of choice ${choice} names no function`);
      position = state.toolCalls.size;
      state.toolCalls.set(key, position);
      parts.push({ type: 'tool-call-start', choice, index: position, id: call.id || `call_${position}`, name });
    }
    state.lastKey = key;
    if (call.id) state.lastId = call.id;
    const argumentsDelta = argumentsText(call.function.arguments);
    if (argumentsDelta !== '') parts.push({ type: 'tool-call-delta', choice, index: position, argumentsDelta });
  }
}
