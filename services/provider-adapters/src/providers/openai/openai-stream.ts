import { randomUUID } from 'node:crypto';
import { providerBadResponse, type StreamPart, type Usage } from '@switchyard/shared';
import type { ServerSentEvent } from '../../http/sse-parser';
import { openAIChatChunkSchema, type OpenAIChatChunk, type OpenAIContent, type OpenAIToolCallDelta } from './openai-api';
import { convertOpenAIUsage } from './convert-openai-usage';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import { openAIInBandError, readOpenAIError } from './openai-error';

export interface OpenAIStreamOptions {
  providerId: string;
  /** The model asked for, named in `response-start` when chunks leave it out. */
  model: string;
  /** The field the server puts reasoning in, read first (the preset's `reasoningField`). */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** Request parameters dropped before the call, reported in `response-start`. */
  droppedParams?: string[];
}

/**
 * Chat Completions SSE events to canonical stream parts, one event at a time.
 * `data: [DONE]` ends the parts; the rest of the body is still read so the
 * connection goes back to the pool. A chunk that cannot be read, or an
 * `error` object sent in place of a chunk, is thrown as a `ProviderError`.
 */
export async function* transformOpenAIStream(events: AsyncIterable<ServerSentEvent>, options: OpenAIStreamOptions): AsyncGenerator<StreamPart> {
  const state = new OpenAIStreamState(options);
  for await (const event of events) yield* state.push(event);
  yield* state.finish();
}

interface ChoiceState {
  finished: boolean;
  /** Upstream `tool_calls[].index` → position of the call in this choice. */
  toolCalls: Map<number, number>;
  lastToolCallKey?: number;
  lastToolCallId?: string;
}

const NO_PARTS: readonly StreamPart[] = [];

/** The stream state machine, synchronous: `push` each event, `finish` when the body ends. */
export class OpenAIStreamState {
  ended = false;
  private started = false;
  private finishes = 0;
  private usage?: Usage;
  private readonly choices: ChoiceState[] = [];

  constructor(private readonly options: OpenAIStreamOptions) {}

  /** The parts of one event; none once `[DONE]` has ended the stream. */
  push(event: ServerSentEvent): readonly StreamPart[] {
    if (this.ended) return NO_PARTS;
    return event.data === '[DONE]' ? this.end() : this.accept(event);
  }

  /** The parts still owed when the body ends without `[DONE]`. */
  finish(): readonly StreamPart[] {
    return this.ended ? NO_PARTS : this.end();
  }

  private accept(event: ServerSentEvent): readonly StreamPart[] {
    const chunk = this.parse(event);
    const choices = chunk.choices ?? [];
    const parts: StreamPart[] = [];
    if (!this.started) {
      // Azure sends a `prompt_filter_results` chunk first, with an empty id and no choices.
      if (!chunk.id && choices.length === 0 && !chunk.usage) return NO_PARTS;
      this.started = true;
      parts.push({
        type: 'response-start',
        id: chunk.id ?? '',
        model: chunk.model || this.options.model,
        created: chunk.created ?? Math.floor(Date.now() / 1000),
        ...(chunk.system_fingerprint ? { systemFingerprint: chunk.system_fingerprint } : {}),
        ...(chunk.service_tier ? { serviceTier: chunk.service_tier } : {}),
        ...(this.options.droppedParams?.length ? { droppedParams: this.options.droppedParams } : {}),
      });
    }
    if (chunk.usage) this.usage = convertOpenAIUsage(chunk.usage);

    for (const choice of choices) {
      const index = choice.index ?? 0;
      const state = (this.choices[index] ??= { finished: false, toolCalls: new Map() });
      const delta = choice.delta;
      if (delta) {
        const field = this.options.reasoningField;
        const reasoning = (field && delta[field]) || (delta.reasoning_content ?? delta.reasoning);
        if (reasoning) parts.push({ type: 'reasoning-delta', choice: index, text: reasoning });
        if (choice.logprobs) {
          // The tokens' log probabilities ride on the text they belong to (an empty text when the chunk has none).
          parts.push({ type: 'text-delta', choice: index, text: typeof delta.content === 'string' ? delta.content : '', logprobs: choice.logprobs });
          if (Array.isArray(delta.content)) this.pushContent(parts, index, delta.content);
        } else if (delta.content) this.pushContent(parts, index, delta.content);
        if (delta.refusal) parts.push({ type: 'refusal-delta', choice: index, text: delta.refusal });
        if (delta.tool_calls) {
          for (const call of delta.tool_calls) this.pushToolCall(parts, index, state, call);
        }
      }
      if (choice.finish_reason && !state.finished) {
        state.finished = true;
        this.finishes++;
        parts.push({ type: 'finish', choice: index, finishReason: mapOpenAIFinishReason(choice.finish_reason) });
      }
    }
    return parts;
  }

  /** After `[DONE]` or the end of the body: the usage part, once every choice has finished. */
  private end(): readonly StreamPart[] {
    this.ended = true;
    if (this.finishes === 0) {
      throw providerBadResponse(this.options.providerId, 'the stream ended before a finish_reason');
    }
    return this.usage ? [{ type: 'usage', usage: this.usage }] : NO_PARTS;
  }

  private parse(event: ServerSentEvent): OpenAIChatChunk {
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      if (event.event === 'error') throw openAIInBandError(this.options.providerId, { message: event.data });
      throw providerBadResponse(this.options.providerId, `stream event is not JSON: ${event.data.slice(0, 200)}`);
    }
    if (typeof json === 'object' && json !== null && (json as { error?: unknown }).error != null) {
      const fields = readOpenAIError(json);
      if (fields) throw openAIInBandError(this.options.providerId, fields);
    }
    const parsed = openAIChatChunkSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw providerBadResponse(
        this.options.providerId,
        `stream chunk does not match the Chat Completions format (${issue.path.join('.')}: ${issue.message})`,
      );
    }
    return parsed.data;
  }

  private pushContent(parts: StreamPart[], choice: number, content: OpenAIContent): void {
    if (typeof content === 'string') {
      parts.push({ type: 'text-delta', choice, text: content });
      return;
    }
    for (const part of content) {
      if (part.type === 'text' && part.text) parts.push({ type: 'text-delta', choice, text: part.text });
      else if (part.type === 'thinking' && part.thinking) {
        for (const thought of part.thinking) {
          if (thought.text) parts.push({ type: 'reasoning-delta', choice, text: thought.text });
        }
      }
    }
  }

  /**
   * A call starts at the first delta of a new upstream index (which must name
   * the function) and continues with `arguments` fragments. Upstream indexes
   * are renumbered from 0, as some servers skip numbers. Without an `index`
   * (Gemini's compatible API), a new `id` starts a new call.
   */
  private pushToolCall(parts: StreamPart[], choice: number, state: ChoiceState, call: OpenAIToolCallDelta): void {
    let key = call.index;
    if (key == null) {
      const startsNew = state.lastToolCallKey === undefined || (call.id != null && call.id !== state.lastToolCallId);
      key = startsNew ? -1 - state.toolCalls.size : state.lastToolCallKey!;
    }
    let position = state.toolCalls.get(key);
    if (position === undefined) {
      const name = call.function?.name;
      if (!name) {
        throw providerBadResponse(this.options.providerId, `tool call ${key} of choice ${choice} has no function name`);
      }
      position = state.toolCalls.size;
      state.toolCalls.set(key, position);
      parts.push({ type: 'tool-call-start', choice, index: position, id: call.id || `call_${randomUUID()}`, name });
    }
    state.lastToolCallKey = key;
    if (call.id) state.lastToolCallId = call.id;
    const argumentsDelta = call.function?.arguments;
    if (argumentsDelta) parts.push({ type: 'tool-call-delta', choice, index: position, argumentsDelta });
  }
}
