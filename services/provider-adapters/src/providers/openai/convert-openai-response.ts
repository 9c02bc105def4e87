import type { ChatChoice, ChatResponse, EmbeddingResponse, ToolCall } from '@switchyard/shared';
import { convertOpenAIUsage } from './convert-openai-usage';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import type { OpenAIChatResponse, OpenAIContent, OpenAIEmbeddingResponse } from './openai-api';

export interface OpenAIResponseOptions {
  /** The field the server puts reasoning in, read first (the preset's `reasoningField`). */
  reasoningField?: 'reasoning_content' | 'reasoning';
}

export function convertOpenAIResponse(response: OpenAIChatResponse, model: string, options: OpenAIResponseOptions = {}): ChatResponse {
  const converted: ChatResponse = {
    id: response.id ?? '',
    model: response.model || model,
    created: response.created ?? Math.floor(Date.now() / 1000),
    choices: response.choices.map((choice, position): ChatChoice => {
      const { message } = choice;
      const { text, reasoning: contentReasoning } = splitContent(message.content);
      const converted: ChatChoice = {
        index: choice.index ?? position,
        message: { content: text },
        finishReason: mapOpenAIFinishReason(choice.finish_reason),
      };
      const reasoning =
        (options.reasoningField && message[options.reasoningField]) || (message.reasoning_content ?? message.reasoning ?? contentReasoning);
      if (reasoning) converted.message.reasoning = reasoning;
      if (message.refusal) converted.message.refusal = message.refusal;
      if (choice.logprobs) converted.logprobs = choice.logprobs;
      if (message.tool_calls?.length) {
        converted.message.toolCalls = message.tool_calls.map((call, index): ToolCall => ({
          id: call.id || `call_${index}`,
          name: call.function.name,
          arguments: call.function.arguments ?? '',
        }));
      }
      return converted;
    }),
  };
  if (response.usage) converted.usage = convertOpenAIUsage(response.usage);
  if (response.system_fingerprint) converted.systemFingerprint = response.system_fingerprint;
  if (response.service_tier) converted.serviceTier = response.service_tier;
  return converted;
}

export function convertOpenAIEmbeddingResponse(response: OpenAIEmbeddingResponse, model: string): EmbeddingResponse {
  return {
    model: response.model || model,
    data: response.data.map((item) => ({ index: item.index, vector: item.embedding })).sort((a, b) => a.index - b.index),
    usage: { inputTokens: response.usage?.prompt_tokens ?? 0, outputTokens: 0 },
  };
}

/** Mistral's array content: `text` parts are the answer, `thinking` parts the reasoning. */
function splitContent(content: OpenAIContent | null | undefined): { text: string | null; reasoning?: string } {
  if (content == null || typeof content === 'string') return { text: content ?? null };
  let text = '';
  let reasoning = '';
  for (const part of content) {
    if (part.type === 'text' && part.text) text += part.text;
    else if (part.type === 'thinking' && part.thinking) for (const thought of part.thinking) reasoning += thought.text ?? '';
  }
  return { text, reasoning: reasoning || undefined };
}
