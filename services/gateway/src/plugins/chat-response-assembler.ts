import type { ChatChoice, ChatResponse, FinishReason, ReasoningBlock, StreamPart, ToolCall } from '@switchyard/shared';

interface ChoiceDraft {
  content: string;
  hasContent: boolean;
  refusal: string;
  reasoning: string;
  reasoningBlocks: ReasoningBlock[];
  /** Reasoning text since the last closed block. */
  openReasoning: string;
  toolCalls: ToolCall[];
  finishReason?: FinishReason;
  logprobs?: Record<string, unknown>;
}

/**
 * Builds the whole answer from the parts of a stream as they pass, for
 * plugins' `afterResponse` (a cache writes the answer a stream gave). It
 * only copies what it is handed: the stream is never held up.
 */
export class ChatResponseAssembler {
  private id = '';
  private model = '';
  private created = 0;
  private systemFingerprint?: string;
  private serviceTier?: string;
  private droppedParams?: string[];
  private readonly choices = new Map<number, ChoiceDraft>();
  private usage?: ChatResponse['usage'];

  add(part: StreamPart): void {
    switch (part.type) {
      case 'response-start':
        this.id = part.id;
        this.model = part.model;
        this.created = part.created;
        this.systemFingerprint = part.systemFingerprint;
        this.serviceTier = part.serviceTier;
        this.droppedParams = part.droppedParams;
        break;
      case 'text-delta': {
        const draft = this.choice(part.choice);
        draft.content += part.text;
        draft.hasContent = true;
        if (part.logprobs) draft.logprobs = mergeLogprobs(draft.logprobs, part.logprobs);
        break;
      }
      case 'reasoning-delta': {
        const draft = this.choice(part.choice);
        draft.reasoning += part.text;
        draft.openReasoning += part.text;
        break;
      }
      case 'reasoning-signature': {
        const draft = this.choice(part.choice);
        draft.reasoningBlocks.push({ type: 'thinking', text: draft.openReasoning, signature: part.signature });
        draft.openReasoning = '';
        break;
      }
      case 'redacted-reasoning':
        this.choice(part.choice).reasoningBlocks.push({ type: 'redacted', data: part.data });
        break;
      case 'refusal-delta':
        this.choice(part.choice).refusal += part.text;
        break;
      case 'tool-call-start':
        this.choice(part.choice).toolCalls[part.index] = { id: part.id, name: part.name, arguments: '' };
        break;
      case 'tool-call-delta': {
        const call = this.choice(part.choice).toolCalls[part.index];
        if (call) call.arguments += part.argumentsDelta;
        break;
      }
      case 'finish':
        this.choice(part.choice).finishReason = part.finishReason;
        break;
      case 'usage':
        this.usage = part.usage;
        break;
    }
  }

  /** The answer as the parts so far make it (a stream cut short gives what arrived). */
  response(): ChatResponse {
    const choices: ChatChoice[] = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, draft]) => {
        const toolCalls = draft.toolCalls.filter((call) => call !== undefined);
        const blocks = [...draft.reasoningBlocks];
        // Reasoning no signature closed is still reasoning; it only becomes a block when others are.
        if (blocks.length > 0 && draft.openReasoning) blocks.push({ type: 'thinking', text: draft.openReasoning });
        return {
          index,
          message: {
            content: draft.hasContent ? draft.content : null,
            ...(toolCalls.length > 0 && { toolCalls }),
            ...(draft.refusal && { refusal: draft.refusal }),
            ...(draft.reasoning && { reasoning: draft.reasoning }),
            ...(blocks.length > 0 && { reasoningBlocks: blocks }),
          },
          finishReason: draft.finishReason ?? 'stop',
          ...(draft.logprobs && { logprobs: draft.logprobs }),
        };
      });
    return {
      id: this.id,
      model: this.model,
      created: this.created,
      choices,
      ...(this.usage && { usage: this.usage }),
      ...(this.systemFingerprint !== undefined && { systemFingerprint: this.systemFingerprint }),
      ...(this.serviceTier !== undefined && { serviceTier: this.serviceTier }),
      ...(this.droppedParams && { droppedParams: this.droppedParams }),
    };
  }

  private choice(index: number): ChoiceDraft {
    let draft = this.choices.get(index);
    if (!draft) {
      draft = { content: '', hasContent: false, refusal: '', reasoning: '', reasoningBlocks: [], openReasoning: '', toolCalls: [] };
      this.choices.set(index, draft);
    }
    return draft;
  }
}

/** OpenAI streams logprobs per chunk as `{content: [...]}`: the whole answer's are the lists joined. */
function mergeLogprobs(into: Record<string, unknown> | undefined, next: Record<string, unknown>): Record<string, unknown> {
  if (!into) return { ...next };
  const merged: Record<string, unknown> = { ...into };
  for (const [key, value] of Object.entries(next)) {
    const existing = merged[key];
    merged[key] = Array.isArray(existing) && Array.isArray(value) ? [...(existing as unknown[]), ...(value as unknown[])] : value;
  }
  return merged;
}
