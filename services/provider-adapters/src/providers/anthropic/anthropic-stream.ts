import { providerBadResponse, type ProviderError, type StreamPart } from '@switchyard/shared';
import {
  anthropicStreamEventSchema,
  describeSchemaError,
  type AnthropicContentBlock,
  type AnthropicStreamEvent,
  type AnthropicUsage,
} from './anthropic-api';
import { anthropicStreamError } from './anthropic-error';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason';

const NONE: readonly StreamPart[] = [];

/** A `tool_use` block that has started and not yet stopped. */
interface OpenToolCall {
  /** Position among the tool calls of the message, from 0. */
  index: number;
  sentArguments: boolean;
}

/**
 * The state machine from Messages API stream events to canonical stream
 * parts, fed one SSE `data` payload at a time:
 *
 * - `message_start` → `response-start` (a repeat of the same message is
 *   ignored; a different message inside the open one is a bad response)
 * - `content_block_start` of a `tool_use` block → `tool-call-start`
 * - `text_delta` → `text-delta`; `thinking_delta` → `reasoning-delta`;
 *   `input_json_delta` inside a `tool_use` block → `tool-call-delta`
 *   (`{}` at `content_block_stop` for a call that streamed no arguments)
 * - the `signature_delta`s of a thinking block → one `reasoning-signature`
 *   at its `content_block_stop`, closing the block the deltas built
 * - `content_block_start` of a `redacted_thinking` block → `redacted-reasoning`
 * - `message_delta` with a `stop_reason` → `finish` (after a `refusal-delta`
 *   when a refusal comes with an explanation)
 * - `message_stop` → `usage`: the `message_start` counts, replaced field by
 *   field by the cumulative `message_delta` counts; the response is then
 *   complete and whatever follows is ignored
 * - `error` → a thrown `ProviderError`
 *
 * `ping`, and event, block and delta types without a canonical equivalent
 * (server tools, citations), produce nothing. A payload that is
 * not a valid event throws `providerBadResponse`.
 */
export class AnthropicStreamTransformer {
  private messageId: string | undefined;
  private usage: AnthropicUsage = {};
  private finished = false;
  private usageSent = false;
  private stopped = false;
  private toolCallCount = 0;
  /** Open `tool_use` blocks by content block index. */
  private readonly toolCalls = new Map<number, OpenToolCall>();
  /** The signature so far of each open thinking block, by content block index. */
  private readonly thinkingSignatures = new Map<number, string>();

  constructor(
    private readonly providerId: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The parts produced by the `data` of one SSE event. */
  push(data: string): readonly StreamPart[] {
    if (data === '' || this.stopped) return NONE;
    const event = this.parse(data);
    switch (event.type) {
      case 'error':
        throw anthropicStreamError(this.providerId, event.error);
      case 'ping':
      case 'unsupported':
        return NONE;
      case 'message_start':
        return this.startMessage(event.message);
      default:
        // Every other event needs message_start first (below).
        break;
    }
    if (this.messageId === undefined) throw this.badResponse(`${event.type} came before message_start`);
    switch (event.type) {
      case 'content_block_start':
        return this.startBlock(event.index, event.content_block);
      case 'content_block_delta':
        return this.delta(event);
      case 'content_block_stop':
        return this.stopBlock(event.index);
      case 'message_delta':
        this.usage = mergeAnthropicUsage(this.usage, event.usage);
        return event.delta.stop_reason == null || this.finished ? NONE : this.finish(event.delta.stop_reason, event.delta.stop_details?.explanation);
      case 'message_stop':
        this.stopped = true;
        return this.finished ? this.usagePart() : [...this.finish(null), ...this.usagePart()];
    }
  }

  /** The parts still owed once the body has ended; throws if the message was cut off. */
  end(): readonly StreamPart[] {
    if (this.finished) return this.usagePart();
    throw this.badResponse(this.messageId === undefined ? 'the stream ended before any event' : 'the stream ended before the message was complete');
  }

  private parse(data: string): AnthropicStreamEvent {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw this.badResponse(`a stream event is not JSON: ${data.slice(0, 200)}`);
    }
    const parsed = anthropicStreamEventSchema.safeParse(json);
    if (!parsed.success) throw this.badResponse(`a stream event is malformed (${describeSchemaError(parsed.error)}): ${data.slice(0, 200)}`);
    return parsed.data;
  }

  private startMessage(message: { id: string; model: string; usage: AnthropicUsage }): readonly StreamPart[] {
    if (this.messageId !== undefined) {
      if (message.id === this.messageId) return NONE;
      throw this.badResponse(`message ${message.id} started inside message ${this.messageId}`);
    }
    this.messageId = message.id;
    this.usage = message.usage;
    return [{ type: 'response-start', id: message.id, model: message.model, created: this.now() }];
  }

  private startBlock(blockIndex: number, block: AnthropicContentBlock): readonly StreamPart[] {
    switch (block.type) {
      case 'tool_use': {
        const call: OpenToolCall = { index: this.toolCallCount++, sentArguments: false };
        this.toolCalls.set(blockIndex, call);
        const start: StreamPart = { type: 'tool-call-start', choice: 0, index: call.index, id: block.id, name: block.name };
        if (!isNonEmptyObject(block.input)) return [start];
        call.sentArguments = true;
        return [start, { type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: JSON.stringify(block.input) }];
      }
      case 'text':
        return block.text === '' ? NONE : [{ type: 'text-delta', choice: 0, text: block.text }];
      case 'thinking':
        this.thinkingSignatures.set(blockIndex, block.signature ?? '');
        return block.thinking === '' ? NONE : [{ type: 'reasoning-delta', choice: 0, text: block.thinking }];
      case 'redacted_thinking':
        return [{ type: 'redacted-reasoning', choice: 0, data: block.data }];
      default:
        return NONE;
    }
  }

  private delta(event: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>): readonly StreamPart[] {
    const { delta } = event;
    switch (delta.type) {
      case 'text_delta':
        return delta.text === '' ? NONE : [{ type: 'text-delta', choice: 0, text: delta.text }];
      case 'thinking_delta':
        return delta.thinking === '' ? NONE : [{ type: 'reasoning-delta', choice: 0, text: delta.thinking }];
      case 'signature_delta': {
        const signature = this.thinkingSignatures.get(event.index);
        if (signature === undefined) throw this.badResponse(`a signature_delta came outside a thinking block (index ${event.index})`);
        this.thinkingSignatures.set(event.index, signature + delta.signature);
        return NONE;
      }
      case 'input_json_delta': {
        // Server tool blocks stream their input too; only client tool calls are passed on.
        const call = this.toolCalls.get(event.index);
        if (!call || delta.partial_json === '') return NONE;
        call.sentArguments = true;
        return [{ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: delta.partial_json }];
      }
      default:
        return NONE;
    }
  }

  private stopBlock(blockIndex: number): readonly StreamPart[] {
    const signature = this.thinkingSignatures.get(blockIndex);
    if (signature !== undefined) {
      this.thinkingSignatures.delete(blockIndex);
      return signature === '' ? NONE : [{ type: 'reasoning-signature', choice: 0, signature }];
    }
    const call = this.toolCalls.get(blockIndex);
    if (!call) return NONE;
    this.toolCalls.delete(blockIndex);
    return call.sentArguments ? NONE : [{ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: '{}' }];
  }

  private finish(stopReason: string | null, explanation?: string | null): readonly StreamPart[] {
    this.finished = true;
    const finish: StreamPart = { type: 'finish', choice: 0, finishReason: mapAnthropicStopReason(stopReason) };
    return stopReason === 'refusal' && explanation ? [{ type: 'refusal-delta', choice: 0, text: explanation }, finish] : [finish];
  }

  private usagePart(): readonly StreamPart[] {
    if (this.usageSent) return NONE;
    this.usageSent = true;
    return [{ type: 'usage', usage: convertAnthropicUsage(this.usage) }];
  }

  private badResponse(detail: string): ProviderError {
    return providerBadResponse(this.providerId, detail);
  }
}

function isNonEmptyObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const _key in value) return true;
  return false;
}
