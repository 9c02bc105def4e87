import type { FinishReason, GatewayError, StreamPart, Usage } from '@switchyard/shared';
import { openAIErrorBody } from '@switchyard/shared';
import { responseObject, statusOf, type ResponseEnvelope } from './format-response';
import { newItemId, type ResponseItem } from './parse-responses-request';

/** One typed event of a Responses stream. */
export interface ResponseStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** The SSE frame of one event: its type as the event name, the event as data. */
export function serverSentEvent(event: ResponseStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

type OpenItem =
  | { kind: 'reasoning'; index: number; item: ResponseItem; text: string }
  | { kind: 'message'; index: number; item: ResponseItem; part: Record<string, unknown>; partIndex: number }
  | { kind: 'function_call'; index: number; item: ResponseItem; toolIndex: number };

/**
 * Canonical stream parts to the Responses API's typed events, in the order
 * OpenAI sends them (`response.created`, `response.in_progress`, then per
 * output item `output_item.added` … deltas … `output_item.done`, and
 * `response.completed` last), numbered by `sequence_number`. It also builds
 * the final `Response`, which equals what the same answer unstreamed gives.
 */
export class ResponseStreamWriter {
  private sequence = 0;
  private model = '';
  private readonly output: ResponseItem[] = [];
  private open: OpenItem | undefined;
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  private started = false;
  /** The final response, once `end()` has run. */
  final: Record<string, unknown> | undefined;

  constructor(private readonly envelope: ResponseEnvelope) {}

  write(part: StreamPart): ResponseStreamEvent[] {
    const events: ResponseStreamEvent[] = [];
    switch (part.type) {
      case 'response-start': {
        this.model = part.model;
        if (this.started) break;
        this.started = true;
        const snapshot = this.snapshot('in_progress');
        events.push(this.event('response.created', { response: snapshot }), this.event('response.in_progress', { response: snapshot }));
        break;
      }
      case 'reasoning-delta': {
        if (part.choice !== 0) break;
        const open = this.open?.kind === 'reasoning' ? this.open : this.openReasoning(events);
        open.text += part.text;
        events.push(
          this.event('response.reasoning_summary_text.delta', {
            item_id: open.item.id,
            output_index: open.index,
            summary_index: 0,
            delta: part.text,
          }),
        );
        break;
      }
      case 'text-delta':
      case 'refusal-delta': {
        if (part.choice !== 0) break;
        const kind = part.type === 'text-delta' ? 'output_text' : 'refusal';
        const open = this.openMessagePart(kind, events);
        if (kind === 'output_text') {
          open.part.text = (open.part.text as string) + part.text;
          events.push(this.event('response.output_text.delta', { ...this.at(open), delta: part.text, logprobs: [] }));
        } else {
          open.part.refusal = (open.part.refusal as string) + part.text;
          events.push(this.event('response.refusal.delta', { ...this.at(open), delta: part.text }));
        }
        break;
      }
      case 'tool-call-start': {
        if (part.choice !== 0) break;
        this.close(events);
        const item: ResponseItem = {
          type: 'function_call',
          id: newItemId('fc'),
          call_id: part.id,
          name: part.name,
          arguments: '',
          status: 'in_progress',
        };
        this.open = { kind: 'function_call', index: this.output.length, item, toolIndex: part.index };
        this.output.push(item);
        events.push(this.event('response.output_item.added', { output_index: this.open.index, item: { ...item } }));
        break;
      }
      case 'tool-call-delta': {
        const open = this.open;
        if (part.choice !== 0 || open?.kind !== 'function_call' || open.toolIndex !== part.index) break;
        open.item.arguments = (open.item.arguments as string) + part.argumentsDelta;
        events.push(
          this.event('response.function_call_arguments.delta', { item_id: open.item.id, output_index: open.index, delta: part.argumentsDelta }),
        );
        break;
      }
      case 'finish':
        if (part.choice === 0) this.finishReason = part.finishReason;
        break;
      case 'usage':
        this.usage = part.usage;
        break;
      case 'reasoning-signature':
      case 'redacted-reasoning':
        // Proofs of reasoning for the provider's own API: a Responses client has nowhere to keep them.
        break;
    }
    return events;
  }

  /** Closes what is open and ends with `response.completed` (or `response.incomplete`). */
  end(): ResponseStreamEvent[] {
    const events: ResponseStreamEvent[] = [];
    this.close(events);
    const status = statusOf(this.finishReason);
    this.final = this.snapshot(status);
    events.push(this.event(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: this.final }));
    return events;
  }

  /** The stream broke off: `response.failed`, then the `error` event, as OpenAI ends a failed stream. */
  fail(error: GatewayError, requestId: string): string {
    const body = openAIErrorBody(error).error;
    const failed = { ...this.snapshot('failed'), error: { code: body.code ?? body.type, message: body.message } };
    const events = [
      ...(this.started ? [this.event('response.failed', { response: failed })] : []),
      this.event('error', { code: body.code, message: body.message, param: body.param, request_id: requestId }),
    ];
    return events.map(serverSentEvent).join('');
  }

  get items(): readonly ResponseItem[] {
    return this.output;
  }

  private snapshot(status: 'in_progress' | 'completed' | 'incomplete' | 'failed'): Record<string, unknown> {
    const output = status === 'in_progress' ? [] : this.output.map((item) => structuredClone(item));
    return responseObject(this.envelope, {
      model: this.model,
      status,
      output,
      usage: status === 'in_progress' ? undefined : this.usage,
      finishReason: this.finishReason,
    });
  }

  private event(type: string, fields: Record<string, unknown>): ResponseStreamEvent {
    return { type, sequence_number: this.sequence++, ...fields };
  }

  private at(open: Extract<OpenItem, { kind: 'message' }>): Record<string, unknown> {
    return { item_id: open.item.id, output_index: open.index, content_index: open.partIndex };
  }

  private openReasoning(events: ResponseStreamEvent[]): Extract<OpenItem, { kind: 'reasoning' }> {
    this.close(events);
    const item: ResponseItem = { type: 'reasoning', id: newItemId('rs'), summary: [] };
    const open = { kind: 'reasoning' as const, index: this.output.length, item, text: '' };
    this.open = open;
    this.output.push(item);
    events.push(this.event('response.output_item.added', { output_index: open.index, item: structuredClone(item) }));
    events.push(
      this.event('response.reasoning_summary_part.added', {
        item_id: item.id,
        output_index: open.index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      }),
    );
    return open;
  }

  /** The message's part of `kind` to append to: a new message, or a new part of the open one. */
  private openMessagePart(kind: 'output_text' | 'refusal', events: ResponseStreamEvent[]): Extract<OpenItem, { kind: 'message' }> {
    let open = this.open;
    if (open?.kind === 'message' && open.part.type === kind) return open;
    if (open?.kind !== 'message') {
      this.close(events);
      const item: ResponseItem = { type: 'message', id: newItemId('msg'), status: 'in_progress', role: 'assistant', content: [] };
      open = { kind: 'message', index: this.output.length, item, part: {}, partIndex: -1 };
      this.output.push(item);
      events.push(this.event('response.output_item.added', { output_index: open.index, item: structuredClone(item) }));
    } else {
      this.closePart(open, events);
    }
    const part = kind === 'output_text' ? { type: 'output_text', text: '', annotations: [] } : { type: 'refusal', refusal: '' };
    (open.item.content as Record<string, unknown>[]).push(part);
    open.part = part;
    open.partIndex = (open.item.content as unknown[]).length - 1;
    this.open = open;
    events.push(this.event('response.content_part.added', { ...this.at(open), part: structuredClone(part) }));
    return open;
  }

  private closePart(open: Extract<OpenItem, { kind: 'message' }>, events: ResponseStreamEvent[]): void {
    const { part } = open;
    if (part.type === 'output_text') events.push(this.event('response.output_text.done', { ...this.at(open), text: part.text, logprobs: [] }));
    else events.push(this.event('response.refusal.done', { ...this.at(open), refusal: part.refusal }));
    events.push(this.event('response.content_part.done', { ...this.at(open), part: structuredClone(part) }));
  }

  private close(events: ResponseStreamEvent[]): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    switch (open.kind) {
      case 'reasoning': {
        const part = { type: 'summary_text', text: open.text };
        (open.item.summary as unknown[]).push(part);
        events.push(
          this.event('response.reasoning_summary_text.done', { item_id: open.item.id, output_index: open.index, summary_index: 0, text: open.text }),
        );
        events.push(this.event('response.reasoning_summary_part.done', { item_id: open.item.id, output_index: open.index, summary_index: 0, part }));
        break;
      }
      case 'message':
        this.closePart(open, events);
        open.item.status = 'completed';
        break;
      case 'function_call':
        open.item.status = 'completed';
        events.push(
          this.event('response.function_call_arguments.done', { item_id: open.item.id, output_index: open.index, arguments: open.item.arguments }),
        );
        break;
    }
    events.push(this.event('response.output_item.done', { output_index: open.index, item: structuredClone(open.item) }));
  }
}
