import { providerBadResponse, type ProviderError, type StreamPart } from '@switchyard/shared';
import { cohereStreamEventSchema, describeSchemaError, IGNORED_STREAM_EVENT_TYPES, type CohereStreamEvent } from './cohere-api';
import { cohereStreamError } from './cohere-error';
import { convertCohereUsage } from './convert-cohere-usage';
import { mapCohereFinishReason } from './map-cohere-finish-reason';

const NONE: readonly StreamPart[] = [];

/** A tool call that has started and not yet ended. */
interface OpenToolCall {
  /** Position among the tool calls of the message, from 0. */
  index: number;
  sentArguments: boolean;
}

/**
 * The state machine from v2 Chat stream events to canonical stream parts,
 * fed one SSE `data` payload at a time (https://docs.cohere.com/reference/chat-stream):
 *
 * - `message-start` → `response-start` (named after the model asked for, as
 *   Cohere names none)
 * - `content-start`/`content-delta` of a `text` item → `text-delta`, of a
 *   `thinking` item → `reasoning-delta`
 * - `tool-plan-delta` → `reasoning-delta` (the model's plan before its calls)
 * - `tool-call-start` → `tool-call-start` (and a `tool-call-delta` when it
 *   already carries arguments), `tool-call-delta` → `tool-call-delta`,
 *   `tool-call-end` of a call that streamed no arguments → `{}`
 * - `message-end` → `finish` and `usage`; the response is then complete and
 *   whatever follows is ignored. A `message-end` with an `error` throws.
 *
 * `content-end`, citations and debug events produce nothing; so do event
 * types added later. A payload that is not a valid event, an event before
 * `message-start` or a body that ends before `message-end` throws
 * `providerBadResponse`; `[DONE]` is ignored.
 */
export class CohereStreamTransformer {
  private started = false;
  private ended = false;
  private toolCallCount = 0;
  /** Content item type by content index, from `content-start`. */
  private readonly contentTypes = new Map<number, string>();
  /** Open tool calls by Cohere's tool call index. */
  private readonly toolCalls = new Map<number, OpenToolCall>();

  constructor(
    private readonly providerId: string,
    private readonly model: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The parts produced by the `data` of one SSE event. */
  push(data: string): readonly StreamPart[] {
    if (this.ended || data === '' || data === '[DONE]') return NONE;
    const event = this.parse(data);
    if (event === undefined) return NONE;
    if (event.type === 'message-start') {
      if (this.started) return NONE;
      this.started = true;
      return [{ type: 'response-start', id: event.id ?? '', model: this.model, created: this.now() }];
    }
    if (!this.started) throw this.badResponse(`${event.type} came before message-start`);
    switch (event.type) {
      case 'content-start': {
        const content = event.delta?.message?.content;
        const index = event.index ?? 0;
        if (content?.type) this.contentTypes.set(index, content.type);
        return this.contentParts(index, content);
      }
      case 'content-delta':
        return this.contentParts(event.index ?? 0, event.delta?.message?.content);
      case 'content-end':
        return NONE;
      case 'tool-plan-delta': {
        const plan = event.delta?.message?.tool_plan;
        return plan ? [{ type: 'reasoning-delta', choice: 0, text: plan }] : NONE;
      }
      case 'tool-call-start':
        return this.startToolCall(event);
      case 'tool-call-delta': {
        const call = this.toolCalls.get(event.index ?? 0);
        if (!call) throw this.badResponse(`tool-call-delta ${event.index ?? 0} came before its tool-call-start`);
        const argumentsDelta = event.delta?.message?.tool_calls?.function?.arguments;
        if (!argumentsDelta) return NONE;
        call.sentArguments = true;
        return [{ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta }];
      }
      case 'tool-call-end': {
        const key = event.index ?? 0;
        const call = this.toolCalls.get(key);
        if (!call) return NONE;
        this.toolCalls.delete(key);
        return call.sentArguments ? NONE : [{ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: '{}' }];
      }
      case 'message-end': {
        this.ended = true;
        const delta = event.delta;
        if (delta?.error) throw cohereStreamError(this.providerId, delta.error);
        const parts: StreamPart[] = [{ type: 'finish', choice: 0, finishReason: mapCohereFinishReason(delta?.finish_reason) }];
        const usage = convertCohereUsage(delta?.usage);
        if (usage) parts.push({ type: 'usage', usage });
        return parts;
      }
    }
  }

  /** Called when the body has ended: a stream cut off before `message-end` is an error. */
  end(): readonly StreamPart[] {
    if (this.ended) return NONE;
    throw this.badResponse(this.started ? 'the stream ended before message-end' : 'the stream ended before any event');
  }

  private parse(data: string): CohereStreamEvent | undefined {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw this.badResponse(`a stream event is not JSON: ${data.slice(0, 200)}`);
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') throw this.badResponse(`a stream event has no type: ${data.slice(0, 200)}`);
    if (IGNORED_STREAM_EVENT_TYPES.has(type) || !KNOWN_TYPES.has(type)) return undefined;
    const parsed = cohereStreamEventSchema.safeParse(json);
    if (!parsed.success) throw this.badResponse(`a ${type} event is malformed (${describeSchemaError(parsed.error)}): ${data.slice(0, 200)}`);
    return parsed.data;
  }

  private contentParts(index: number, content: { text?: string | null; thinking?: string | null } | null | undefined): readonly StreamPart[] {
    if (!content) return NONE;
    const type = this.contentTypes.get(index);
    if (content.thinking && type !== 'text') return [{ type: 'reasoning-delta', choice: 0, text: content.thinking }];
    if (content.text) return [{ type: 'text-delta', choice: 0, text: content.text }];
    return NONE;
  }

  private startToolCall(event: Extract<CohereStreamEvent, { type: 'tool-call-start' }>): readonly StreamPart[] {
    const wireCall = event.delta?.message?.tool_calls;
    const name = wireCall?.function?.name;
    if (!name) throw this.badResponse(`tool-call-start ${event.index ?? 0} names no function`);
    const call: OpenToolCall = { index: this.toolCallCount++, sentArguments: false };
    this.toolCalls.set(event.index ?? 0, call);
    const parts: StreamPart[] = [{ type: 'tool-call-start', choice: 0, index: call.index, id: wireCall.id || `call_${call.index}`, name }];
    const initial = wireCall.function?.arguments;
    if (initial) {
      call.sentArguments = true;
      parts.push({ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: initial });
    }
    return parts;
  }

  private badResponse(detail: string): ProviderError {
    return providerBadResponse(this.providerId, detail);
  }
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(cohereStreamEventSchema.options.map((option) => option.shape.type.value));
