import {
  providerBadResponse,
  type ChatChoice,
  type ChatResponse,
  type EmbeddingResponse,
  type ReasoningBlock,
  type ToolCall,
} from '@switchyard/shared';
import type { MistralChatResponse, MistralContent, MistralEmbeddingResponse } from './mistral-api';
import { convertMistralUsage } from './convert-mistral-usage';
import { mapMistralFinishReason } from './map-mistral-finish-reason';

/**
 * A chat completions body as the canonical response. Array content is split:
 * `text` chunks are the answer, `thinking` chunks the reasoning, kept also as
 * reasoning blocks (with Mistral's signature when there is one) so they can
 * go back on the next turn. Other chunks (references, images) are left out.
 */
export function convertMistralResponse(providerId: string, response: MistralChatResponse, model: string): ChatResponse {
  const converted: ChatResponse = {
    id: response.id ?? '',
    model: response.model || model,
    created: response.created ?? Math.floor(Date.now() / 1000),
    choices: response.choices.map((choice, position): ChatChoice => {
      const { text, reasoning, blocks } = splitContent(choice.message.content);
      const result: ChatChoice = {
        index: choice.index ?? position,
        message: { content: text },
        finishReason: mapMistralFinishReason(choice.finish_reason),
      };
      if (reasoning !== '') result.message.reasoning = reasoning;
      if (blocks.length > 0) result.message.reasoningBlocks = blocks;
      if (choice.message.tool_calls?.length) {
        result.message.toolCalls = choice.message.tool_calls.map((call, index): ToolCall => {
          if (!call.function.name)
            throw providerBadResponse(providerId, `choices.${position}.message.tool_calls.${index}: the call names no function`);
          return { id: call.id || `call_${index}`, name: call.function.name, arguments: argumentsText(call.function.arguments) };
        });
      }
      return result;
    }),
  };
  if (response.usage) converted.usage = convertMistralUsage(response.usage);
  return converted;
}

export function convertMistralEmbeddingResponse(response: MistralEmbeddingResponse, model: string): EmbeddingResponse {
  return {
    model: response.model || model,
    data: response.data.map((item) => ({ index: item.index, vector: item.embedding })).sort((a, b) => a.index - b.index),
    usage: { inputTokens: response.usage?.prompt_tokens ?? 0, outputTokens: 0 },
  };
}

/** Arguments are JSON text; Mistral may send them as an object, which is serialized. */
export function argumentsText(value: string | Record<string, unknown> | null | undefined): string {
  if (value == null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The text of a thinking chunk's parts. */
export function thinkingText(parts: readonly { text?: string | null }[]): string {
  return parts.map((part) => part.text ?? '').join('');
}

function splitContent(content: MistralContent | null | undefined): { text: string | null; reasoning: string; blocks: ReasoningBlock[] } {
  if (content == null || typeof content === 'string') return { text: content ?? null, reasoning: '', blocks: [] };
  let text = '';
  let hasText = false;
  let reasoning = '';
  const blocks: ReasoningBlock[] = [];
  for (const chunk of content) {
    if (chunk.type === 'text') {
      text += chunk.text;
      hasText = true;
    } else if (chunk.type === 'thinking') {
      const thought = thinkingText(chunk.thinking);
      reasoning += thought;
      blocks.push({ type: 'thinking', text: thought, ...(chunk.signature ? { signature: chunk.signature } : {}) });
    }
  }
  return { text: hasText ? text : null, reasoning, blocks };
}
