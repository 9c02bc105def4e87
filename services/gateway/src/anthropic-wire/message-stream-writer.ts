import type { FinishReason, StreamPart, Usage } from '@switchyard/shared';
import { toAnthropicStopReason, toAnthropicUsage } from './format-message';

/** One server-sent event of Anthropic's stream: its `event:` name is the `type` of its data. */
export interface MessageStreamEvent {
  type: string;
  [field: string]: unknown;
}

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; call: number };

/**
 * Turns canonical stream parts into Anthropic's stream events
 * (https://docs.claude.com/en/docs/build-with-claude/streaming), one part at
 * a time: `message_start` (and a `ping`), then each content block as
 * `content_block_start`, its deltas (`text_delta`, `thinking_delta`,
 * `signature_delta`, `input_json_delta`) and `content_block_stop`, and at
 * the end (`end()`) one `message_delta` with the stop reason and the
 * cumulative usage, then `message_stop`. Only choice 0 is written:
 * Anthropic's API has one.
 */
export class MessageStreamWriter {
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  /** Block index of each tool call, by its canonical index. */
  private readonly toolBlocks = new Map<number, number>();

  write(part: StreamPart): MessageStreamEvent[] {
    if ('choice' in part && part.choice !== 0) return [];
    switch (part.type) {
      case 'response-start':
        return [
          {
            type: 'message_start',
            message: {
              id: part.id,
              type: 'message',
              role: 'assistant',
              model: part.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              // Input tokens are known only at the end; the `message_delta` carries them.
              usage: { input_tokens: 0, output_tokens: 0 },
            },
          },
          { type: 'ping' },
        ];
      case 'text-delta':
      case 'refusal-delta':
        if (part.text === '') return [];
        return [...this.ensure('text'), this.delta({ type: 'text_delta', text: part.text })];
      case 'reasoning-delta':
        if (part.text === '') return [];
        return [...this.ensure('thinking'), this.delta({ type: 'thinking_delta', thinking: part.text })];
      case 'reasoning-signature':
        return [...this.ensure('thinking'), this.delta({ type: 'signature_delta', signature: part.signature }), ...this.close()];
      case 'redacted-reasoning': {
        const index = this.nextIndex++;
        return [
          ...this.close(),
          { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: part.data } },
          { type: 'content_block_stop', index },
        ];
      }
      case 'tool-call-start': {
        const events = this.close();
        const index = this.nextIndex++;
        this.open = { kind: 'tool', index, call: part.index };
        this.toolBlocks.set(part.index, index);
        events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: part.id, name: part.name, input: {} } });
        return events;
      }
      case 'tool-call-delta': {
        const index = this.toolBlocks.get(part.index);
        if (index === undefined || part.argumentsDelta === '') return [];
        return [{ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part.argumentsDelta } }];
      }
      case 'finish':
        this.finishReason = part.finishReason;
        return this.close();
      case 'usage':
        this.usage = part.usage;
        return [];
    }
  }

  /** The events that end the message, once the parts have all been written. */
  end(): MessageStreamEvent[] {
    return [
      ...this.close(),
      {
        type: 'message_delta',
        delta: { stop_reason: toAnthropicStopReason(this.finishReason), stop_sequence: null },
        usage: toAnthropicUsage(this.usage),
      },
      { type: 'message_stop' },
    ];
  }

  /** Opens a block of `kind` unless one is open: a change of kind closes the open block first. */
  private ensure(kind: 'text' | 'thinking'): MessageStreamEvent[] {
    if (this.open?.kind === kind) return [];
    const events = this.close();
    const index = this.nextIndex++;
    this.open = { kind, index };
    const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    events.push({ type: 'content_block_start', index, content_block: block });
    return events;
  }

  private delta(delta: Record<string, unknown>): MessageStreamEvent {
    return { type: 'content_block_delta', index: this.open!.index, delta };
  }

  private close(): MessageStreamEvent[] {
    if (!this.open) return [];
    const { index } = this.open;
    this.open = undefined;
    return [{ type: 'content_block_stop', index }];
  }
}

/** An event as it goes on the wire. */
export function serverSentEvent(event: MessageStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
