import { randomBytes } from 'node:crypto';
import { providerBadResponse, type ChatChoice, type ChatResponse, type ReasoningBlock, type ToolCall } from '@switchyard/shared';
import { describeSchemaError, geminiResponseSchema, type GeminiCandidate } from './gemini-api';
import { convertGeminiUsage } from './convert-gemini-usage';
import { mapGeminiBlockReason, mapGeminiFinishReason } from './map-gemini-finish-reason';

/**
 * A `generateContent` body as the canonical response, one choice per
 * candidate: text parts joined into `content`, thought parts into
 * `reasoning`, function calls into tool calls. Every thought signature
 * closes a reasoning block (the thought text since the previous one), so
 * the signatures go back on the next turn (see `convert-to-gemini-request`).
 * A prompt Gemini blocked has no candidate: one empty, filtered choice.
 */
export function convertGeminiResponse(providerId: string, model: string, bodyText: string, created = Math.floor(Date.now() / 1000)): ChatResponse {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    throw providerBadResponse(providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
  }
  const parsed = geminiResponseSchema.safeParse(json);
  if (!parsed.success) throw providerBadResponse(providerId, describeSchemaError(parsed.error));
  const response = parsed.data;

  const choices = (response.candidates ?? []).map((candidate, position) => convertCandidate(candidate, candidate.index ?? position));
  if (choices.length === 0) {
    if (response.promptFeedback?.blockReason == null) throw providerBadResponse(providerId, 'the response has no candidates');
    choices.push({ index: 0, message: { content: null }, finishReason: mapGeminiBlockReason() });
  }
  const converted: ChatResponse = {
    id: response.responseId ?? generatedId('gemini'),
    model: response.modelVersion ?? model,
    created,
    choices,
  };
  if (response.usageMetadata) converted.usage = convertGeminiUsage(response.usageMetadata);
  return converted;
}

function convertCandidate(candidate: GeminiCandidate, index: number): ChatChoice {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const blocks: ReasoningBlock[] = [];
  let pending = '';
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought && part.text != null) {
      thoughts.push(part.text);
      pending += part.text;
    }
    if (part.thoughtSignature) {
      blocks.push({ type: 'thinking', text: pending, signature: part.thoughtSignature });
      pending = '';
    }
    if (part.thought) continue;
    if (part.text != null) texts.push(part.text);
    if (part.functionCall?.name) {
      toolCalls.push({
        id: part.functionCall.id ?? generatedId('call'),
        name: part.functionCall.name,
        arguments: JSON.stringify(part.functionCall.args ?? {}),
      });
    }
  }
  if (pending !== '') blocks.push({ type: 'thinking', text: pending });

  const text = texts.join('');
  const choice: ChatChoice = {
    index,
    message: { content: text === '' && (toolCalls.length > 0 || texts.length === 0) ? null : text },
    finishReason: mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
  if (toolCalls.length > 0) choice.message.toolCalls = toolCalls;
  if (thoughts.length > 0) choice.message.reasoning = thoughts.join('');
  if (blocks.length > 0) choice.message.reasoningBlocks = blocks;
  return choice;
}

/** Gemini names neither every response nor every function call; these get an id of the gateway's own. */
export function generatedId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
