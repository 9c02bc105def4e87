import { providerBadResponse, type ProviderError, type StreamPart, type Usage } from '@switchyard/shared';
import { bedrockStreamEventSchemas, describeSchemaError, type BedrockStreamEvent, type BedrockStreamEventType } from './bedrock-api';
import { bedrockStreamError } from './bedrock-error';
import type { DecodedEventMessage } from './bedrock-event-stream-decoder';
import { convertBedrockUsage } from './convert-bedrock-usage';
import { mapBedrockStopReason } from './map-bedrock-stop-reason';

const NONE: readonly StreamPart[] = [];

/** A `toolUse` block that has started and not yet stopped. */
interface OpenToolCall {
  /** Position among the tool calls of the message, from 0. */
  index: number;
  sentArguments: boolean;
}

/**
 * The state machine from ConverseStream events to canonical stream parts,
 * fed one decoded event stream message at a time:
 *
 * - the first event → `response-start` (Converse names no response id or
 *   model: both are the adapter's)
 * - `contentBlockStart` of a `toolUse` block → `tool-call-start`
 * - `contentBlockDelta`: `text` → `text-delta`; `toolUse.input` →
 *   `tool-call-delta` (`{}` at `contentBlockStop` for a call that streamed
 *   no arguments); `reasoningContent.text` → `reasoning-delta`,
 *   `.signature` → `reasoning-signature` (closing the block),
 *   `.redactedContent` → `redacted-reasoning`
 * - `messageStop` → `finish`
 * - `metadata` → `usage`, after the finish part whichever of the two comes
 *   first
 * - an exception message (`throttlingException`, `modelStreamErrorException`,
 *   …) → a thrown `ProviderError`
 *
 * Event types without a canonical equivalent produce nothing. A payload that
 * is not a valid event throws `providerBadResponse`.
 */
export class BedrockStreamTransformer {
  private started = false;
  private finished = false;
  private usage: Usage | undefined;
  private usageSent = false;
  private toolCallCount = 0;
  /** Open `toolUse` blocks by content block index. */
  private readonly toolCalls = new Map<number, OpenToolCall>();

  constructor(
    private readonly providerId: string,
    private readonly response: { id: string; model: string; droppedParams?: string[] },
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The parts produced by one event stream message. */
  push(message: DecodedEventMessage): readonly StreamPart[] {
    if (message.messageType === 'exception' || message.messageType === 'error') {
      throw bedrockStreamError(this.providerId, message.name || message.messageType, message.payload);
    }
    const event = this.parse(message);
    if (!event) return NONE;
    const parts: StreamPart[] = [];
    if (!this.started) {
      this.started = true;
      const start: StreamPart = { type: 'response-start', id: this.response.id, model: this.response.model, created: this.now() };
      if (this.response.droppedParams && this.response.droppedParams.length > 0) start.droppedParams = this.response.droppedParams;
      parts.push(start);
    }
    parts.push(...this.translate(event));
    return parts;
  }

  /** The parts still owed once the body has ended; throws if the message was cut off. */
  end(): readonly StreamPart[] {
    if (this.finished) return NONE;
    throw providerBadResponse(
      this.providerId,
      this.started ? 'the stream ended before the message was complete' : 'the stream ended before any event',
    );
  }

  private parse(message: DecodedEventMessage): BedrockStreamEvent | undefined {
    if (!Object.hasOwn(bedrockStreamEventSchemas, message.name)) return undefined;
    const type = message.name as BedrockStreamEventType;
    let json: unknown;
    try {
      json = JSON.parse(message.payload);
    } catch {
      throw this.badResponse(`a ${type} event is not JSON: ${message.payload.slice(0, 200)}`);
    }
    const parsed = bedrockStreamEventSchemas[type].safeParse(json);
    if (!parsed.success)
      throw this.badResponse(`a ${type} event is malformed (${describeSchemaError(parsed.error)}): ${message.payload.slice(0, 200)}`);
    return { type, payload: parsed.data } as BedrockStreamEvent;
  }

  private translate(event: BedrockStreamEvent): StreamPart[] {
    switch (event.type) {
      case 'messageStart':
        return [];
      case 'contentBlockStart': {
        const toolUse = event.payload.start?.toolUse;
        if (!toolUse) return [];
        const call: OpenToolCall = { index: this.toolCallCount++, sentArguments: false };
        this.toolCalls.set(event.payload.contentBlockIndex, call);
        return [{ type: 'tool-call-start', choice: 0, index: call.index, id: toolUse.toolUseId, name: toolUse.name }];
      }
      case 'contentBlockDelta':
        return this.delta(event.payload);
      case 'contentBlockStop': {
        const call = this.toolCalls.get(event.payload.contentBlockIndex);
        if (!call) return [];
        this.toolCalls.delete(event.payload.contentBlockIndex);
        return call.sentArguments ? [] : [{ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: '{}' }];
      }
      case 'messageStop': {
        if (this.finished) return [];
        this.finished = true;
        return [{ type: 'finish', choice: 0, finishReason: mapBedrockStopReason(event.payload.stopReason) }, ...this.usagePart()];
      }
      case 'metadata':
        if (event.payload.usage) this.usage = convertBedrockUsage(event.payload.usage);
        return this.finished ? this.usagePart() : [];
    }
  }

  private delta(payload: Extract<BedrockStreamEvent, { type: 'contentBlockDelta' }>['payload']): StreamPart[] {
    const { delta } = payload;
    const parts: StreamPart[] = [];
    if (delta.text) parts.push({ type: 'text-delta', choice: 0, text: delta.text });
    if (delta.toolUse && delta.toolUse.input !== '') {
      const call = this.toolCalls.get(payload.contentBlockIndex);
      if (!call) throw this.badResponse(`tool input arrived for content block ${payload.contentBlockIndex}, which is not a tool call`);
      call.sentArguments = true;
      parts.push({ type: 'tool-call-delta', choice: 0, index: call.index, argumentsDelta: delta.toolUse.input });
    }
    const reasoning = delta.reasoningContent;
    if (reasoning?.text) parts.push({ type: 'reasoning-delta', choice: 0, text: reasoning.text });
    if (reasoning?.signature) parts.push({ type: 'reasoning-signature', choice: 0, signature: reasoning.signature });
    if (reasoning?.redactedContent) parts.push({ type: 'redacted-reasoning', choice: 0, data: reasoning.redactedContent });
    return parts;
  }

  private usagePart(): StreamPart[] {
    if (this.usageSent || !this.usage) return [];
    this.usageSent = true;
    return [{ type: 'usage', usage: this.usage }];
  }

  private badResponse(detail: string): ProviderError {
    return providerBadResponse(this.providerId, detail);
  }
}
