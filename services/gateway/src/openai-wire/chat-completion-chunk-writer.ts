import type { StreamPart } from '@switchyard/shared';
import { toOpenAIFinishReason, toOpenAIUsage, toThinkingBlock } from './format-chat-completion';

/**
 * Turns canonical stream parts into OpenAI `chat.completion.chunk` objects,
 * one part at a time. The first delta of each choice carries
 * `role: "assistant"`, as OpenAI sends it; the usage chunk (with empty
 * `choices`) is written only when the client asked for it. Reasoning streams
 * as `reasoning_content` deltas; each reasoning block, once the provider has
 * closed it with its signature (or a redacted one), comes whole in a
 * `thinking_blocks` delta, so a client that appends those gets the list to
 * send back on its next turn.
 */
export class ChatCompletionChunkWriter {
  private id = '';
  private model = '';
  private created = 0;
  private systemFingerprint: string | undefined;
  private serviceTier: string | undefined;
  private readonly startedChoices = new Set<number>();
  /** The reasoning text of each choice's open block, for its `thinking_blocks` entry. */
  private readonly openReasoning = new Map<number, string>();

  constructor(private readonly includeUsage: boolean) {}

  /** The chunk for `part`, or undefined when the part has no OpenAI chunk of its own. */
  write(part: StreamPart): Record<string, unknown> | undefined {
    switch (part.type) {
      case 'response-start':
        this.id = part.id;
        this.model = part.model;
        this.created = part.created;
        this.systemFingerprint = part.systemFingerprint;
        this.serviceTier = part.serviceTier;
        return this.chunk(0, { role: 'assistant', content: '' }, null, true);
      case 'text-delta':
        return this.chunk(part.choice, { content: part.text }, null, false, part.logprobs ?? null);
      case 'reasoning-delta':
        this.openReasoning.set(part.choice, (this.openReasoning.get(part.choice) ?? '') + part.text);
        return this.chunk(part.choice, { reasoning_content: part.text });
      case 'reasoning-signature': {
        const text = this.openReasoning.get(part.choice) ?? '';
        this.openReasoning.delete(part.choice);
        return this.chunk(part.choice, { thinking_blocks: [toThinkingBlock({ type: 'thinking', text, signature: part.signature })] });
      }
      case 'redacted-reasoning':
        return this.chunk(part.choice, { thinking_blocks: [toThinkingBlock({ type: 'redacted', data: part.data })] });
      case 'refusal-delta':
        return this.chunk(part.choice, { refusal: part.text });
      case 'tool-call-start':
        return this.chunk(part.choice, {
          tool_calls: [{ index: part.index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }],
        });
      case 'tool-call-delta':
        return this.chunk(part.choice, { tool_calls: [{ index: part.index, function: { arguments: part.argumentsDelta } }] });
      case 'finish':
        return this.chunk(part.choice, {}, toOpenAIFinishReason(part.finishReason));
      case 'usage':
        if (!this.includeUsage) return undefined;
        return { ...this.envelope(), choices: [], usage: toOpenAIUsage(part.usage) };
    }
  }

  private chunk(
    choice: number,
    delta: Record<string, unknown>,
    finishReason: string | null = null,
    isStart = false,
    logprobs: Record<string, unknown> | null = null,
  ): Record<string, unknown> {
    if (!this.startedChoices.has(choice)) {
      this.startedChoices.add(choice);
      if (!isStart) delta = { role: 'assistant', ...delta };
    }
    return { ...this.envelope(), choices: [{ index: choice, delta, logprobs, finish_reason: finishReason }] };
  }

  private envelope(): Record<string, unknown> {
    const envelope: Record<string, unknown> = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
    // OpenAI repeats it on every chunk.
    if (this.serviceTier !== undefined) envelope.service_tier = this.serviceTier;
    if (this.systemFingerprint !== undefined) envelope.system_fingerprint = this.systemFingerprint;
    return envelope;
  }
}
