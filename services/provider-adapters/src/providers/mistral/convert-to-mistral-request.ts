import { createHash } from 'node:crypto';
import { invalidRequest, type ChatRequest, type ContentPart, type ResponseFormat, type ToolChoice } from '@switchyard/shared';
import { settleUnsupportedParameters } from '../unsupported-parameters';
import type { MistralAssistantChunk, MistralChatRequest, MistralMessage, MistralUserChunk } from './mistral-api';

/**
 * Top-level fields of Mistral's own chat API that a client may send as
 * unmodelled fields (`extraBody`): Mistral honours them, so they are passed
 * through rather than rejected.
 */
export const MISTRAL_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'safe_prompt',
  'random_seed',
  'prompt_mode',
  'prediction',
  'guardrails',
  'prompt_cache_key',
]);

const MISTRAL_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Mistral accepts only tool call ids of 9 characters from `[a-zA-Z0-9]`
 * (a 400 otherwise). Its own ids pass unchanged; any other (`call_…` from
 * OpenAI, `toolu_…` from Anthropic) is replaced by one derived from it, the
 * same in the assistant's call and in the tool result that answers it.
 */
export function mistralToolCallId(id: string): string {
  if (MISTRAL_TOOL_CALL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let converted = '';
  for (let index = 0; index < 9; index++) converted += BASE62[digest[index] % 62];
  return converted;
}

export interface ConvertedMistralRequest {
  body: MistralChatRequest;
  /** Parameters Mistral cannot honour that were dropped, as allowed. */
  droppedParams: string[];
}

/**
 * The canonical request as a Mistral chat completions body
 * (https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post).
 *
 * - `seed` becomes `random_seed`; `tool_choice: required` becomes `any`.
 * - Tool call ids are made Mistral-shaped (see `mistralToolCallId`); a tool
 *   result names its function, which older Mistral models need.
 * - An assistant turn's reasoning blocks go back as `thinking` chunks, with
 *   their signatures. A final assistant turn is a prefix to continue
 *   (`prefix: true`), as Mistral refuses to end on an assistant turn otherwise.
 * - Not honoured, so settled (400 or dropped): `top_k`, a reasoning token
 *   budget, `user`, and unmodelled fields other than Mistral's own
 *   (`MISTRAL_REQUEST_FIELDS`, passed through).
 * - `providerOptions.mistral` (and `providerOptions[<provider id>]`) are
 *   merged into the body last.
 */
export function convertToMistralRequest(
  providerId: string,
  model: string,
  request: ChatRequest,
  options: { dropAllowed: boolean; stream: boolean },
): ConvertedMistralRequest {
  const { sampling } = request;
  const unsupported: string[] = [];
  if (sampling.topK !== undefined) unsupported.push('top_k');
  if (request.reasoning?.budgetTokens !== undefined) unsupported.push('reasoning.budget_tokens');
  const passedThrough: Record<string, unknown> = {};
  const rejectable: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.extraBody ?? {})) {
    if (MISTRAL_REQUEST_FIELDS.has(name)) passedThrough[name] = value;
    else rejectable[name] = value;
  }
  const droppedParams = settleUnsupportedParameters(providerId, { ...request, extraBody: rejectable }, unsupported, {
    dropAllowed: options.dropAllowed,
  });

  const toolNames = new Map<string, string>();
  for (const message of request.messages) {
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) toolNames.set(call.id, call.name);
  }
  const messages = request.messages.map((message, index) => convertMessage(message, index, toolNames));
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') last.prefix = true;

  const body: MistralChatRequest = { model, messages };
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.parameters,
        ...(tool.strict !== undefined && { strict: tool.strict }),
      },
    }));
  }
  if (request.toolChoice) body.tool_choice = convertToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat) body.response_format = convertResponseFormat(request.responseFormat);

  if (sampling.temperature !== undefined) body.temperature = sampling.temperature;
  if (sampling.topP !== undefined) body.top_p = sampling.topP;
  if (sampling.maxTokens !== undefined) body.max_tokens = sampling.maxTokens;
  if (sampling.presencePenalty !== undefined) body.presence_penalty = sampling.presencePenalty;
  if (sampling.frequencyPenalty !== undefined) body.frequency_penalty = sampling.frequencyPenalty;
  if (sampling.n !== undefined) body.n = sampling.n;
  if (request.stop?.length) body.stop = request.stop;
  if (request.seed !== undefined) body.random_seed = request.seed;
  if (request.reasoning?.effort !== undefined) body.reasoning_effort = request.reasoning.effort;

  Object.assign(body, passedThrough, request.providerOptions?.mistral, request.providerOptions?.[providerId]);
  body.stream = options.stream;
  return { body, droppedParams };
}

function convertMessage(message: ChatRequest['messages'][number], index: number, toolNames: Map<string, string>): MistralMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user': {
      const { content } = message;
      if (content.length === 1 && content[0].type === 'text') return { role: 'user', content: content[0].text };
      return { role: 'user', content: content.map((part, partIndex) => userChunk(part, `messages[${index}].content[${partIndex}]`)) };
    }
    case 'assistant': {
      const text = message.content.map((part) => part.text).join('');
      const thinking: MistralAssistantChunk[] = [];
      for (const block of message.reasoningBlocks ?? []) {
        if (block.type !== 'thinking') continue;
        thinking.push({
          type: 'thinking',
          thinking: [{ type: 'text', text: block.text }],
          ...(block.signature !== undefined && { signature: block.signature }),
        });
      }
      const converted: Extract<MistralMessage, { role: 'assistant' }> = {
        role: 'assistant',
        content:
          thinking.length > 0
            ? [...thinking, ...(text === '' ? [] : [{ type: 'text' as const, text }])]
            : text === '' && message.toolCalls?.length
              ? null
              : text,
      };
      if (message.toolCalls?.length) {
        converted.tool_calls = message.toolCalls.map((call) => ({
          id: mistralToolCallId(call.id),
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      return converted;
    }
    case 'tool': {
      const name = toolNames.get(message.toolCallId);
      return {
        role: 'tool',
        tool_call_id: mistralToolCallId(message.toolCallId),
        ...(name !== undefined && { name }),
        content: message.content,
      };
    }
  }
}

function userChunk(part: ContentPart, param: string): MistralUserChunk {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (!part.url.startsWith('data:') && !part.url.startsWith('https://') && !part.url.startsWith('http://')) {
    throw invalidRequest('An image URL must be an http(s) URL or a base64 data URL.', param);
  }
  return { type: 'image_url', image_url: part.detail === undefined ? { url: part.url } : { url: part.url, detail: part.detail } };
}

function convertToolChoice(choice: ToolChoice): NonNullable<MistralChatRequest['tool_choice']> {
  switch (choice.mode) {
    case 'tool':
      return { type: 'function', function: { name: choice.toolName } };
    case 'required':
      return 'any';
    default:
      return choice.mode;
  }
}

function convertResponseFormat(format: ResponseFormat): NonNullable<MistralChatRequest['response_format']> {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      ...(format.description !== undefined && { description: format.description }),
      schema: format.schema,
      ...(format.strict !== undefined && { strict: format.strict }),
    },
  };
}
