import { invalidRequest, type ChatRequest, type ContentPart, type ReasoningOptions, type ToolDefinition } from '@switchyard/shared';
import { settleUnsupportedParameters } from '../unsupported-parameters';
import type { CohereAssistantContent, CohereChatRequest, CohereMessage, CohereTool, CohereUserContent } from './cohere-api';

/** Thinking budgets for `reasoning.effort` (Cohere takes a token budget, not a level). */
export const EFFORT_TOKEN_BUDGETS = { minimal: 1024, low: 1024, medium: 4096, high: 16384 } as const;

/**
 * Top-level fields of Cohere's own chat API that a client may send as
 * unmodelled fields (`extraBody`): Cohere honours them, so they are passed
 * through rather than rejected.
 */
export const COHERE_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'safety_mode',
  'documents',
  'citation_options',
  'priority',
  'strict_tools',
  'thinking',
]);

export interface ConvertedCohereRequest {
  body: CohereChatRequest;
  /** Parameters Cohere cannot honour that were dropped, as allowed. */
  droppedParams: string[];
}

/**
 * The canonical request as a v2 Chat body (https://docs.cohere.com/reference/chat).
 *
 * - `top_p`/`top_k` become `p`/`k`, `stop` `stop_sequences`.
 * - A tool choice naming one tool is `REQUIRED` with only that tool offered,
 *   as Cohere cannot name a tool; `required` is `REQUIRED`, `none` `NONE`.
 * - `json_schema` output is `json_object` with the schema.
 * - Reasoning is `thinking` with a token budget (0 turns it off).
 * - An assistant turn's reasoning blocks go back as `thinking` content; its
 *   plain reasoning, next to tool calls, as the `tool_plan` Cohere wrote.
 * - Not honoured, so settled (400 or dropped): `n` > 1, `logit_bias`-style
 *   unmodelled fields, `user`, `parallel_tool_calls: false`.
 * - `providerOptions.cohere` (and `providerOptions[<provider id>]`) are merged
 *   into the body last.
 */
export function convertToCohereRequest(
  providerId: string,
  model: string,
  request: ChatRequest,
  options: { dropAllowed: boolean; stream: boolean },
): ConvertedCohereRequest {
  const { sampling } = request;
  const unsupported: string[] = [];
  if (sampling.n !== undefined && sampling.n > 1) unsupported.push('n');
  if (request.parallelToolCalls === false && request.tools?.length) unsupported.push('parallel_tool_calls');
  const passedThrough: Record<string, unknown> = {};
  const rejectable: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.extraBody ?? {})) {
    if (COHERE_REQUEST_FIELDS.has(name)) passedThrough[name] = value;
    else rejectable[name] = value;
  }
  const droppedParams = settleUnsupportedParameters(providerId, { ...request, extraBody: rejectable }, unsupported, {
    dropAllowed: options.dropAllowed,
  });

  const body: CohereChatRequest = { model, messages: request.messages.map(convertMessage) };
  if (request.tools?.length && request.toolChoice?.mode !== 'none') {
    let tools = request.tools;
    if (request.toolChoice?.mode === 'tool') {
      const name = request.toolChoice.toolName;
      tools = tools.filter((tool) => tool.name === name);
      if (tools.length === 0) throw invalidRequest(`tool_choice names the tool '${name}', which is not in tools.`, 'tool_choice');
    }
    body.tools = tools.map(cohereTool);
    if (request.toolChoice?.mode === 'required' || request.toolChoice?.mode === 'tool') body.tool_choice = 'REQUIRED';
    if (tools.some((tool) => tool.strict)) body.strict_tools = true;
  } else if (request.tools?.length) {
    // `none`: the tools stay described, and Cohere is told not to call them.
    body.tools = request.tools.map(cohereTool);
    body.tool_choice = 'NONE';
  }
  if (request.responseFormat?.type === 'json_object') body.response_format = { type: 'json_object' };
  if (request.responseFormat?.type === 'json_schema') body.response_format = { type: 'json_object', json_schema: request.responseFormat.schema };

  if (sampling.maxTokens !== undefined) body.max_tokens = sampling.maxTokens;
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (sampling.temperature !== undefined) body.temperature = sampling.temperature;
  if (request.seed !== undefined) body.seed = request.seed;
  if (sampling.frequencyPenalty !== undefined) body.frequency_penalty = sampling.frequencyPenalty;
  if (sampling.presencePenalty !== undefined) body.presence_penalty = sampling.presencePenalty;
  if (sampling.topK !== undefined) body.k = sampling.topK;
  if (sampling.topP !== undefined) body.p = sampling.topP;
  const thinking = convertReasoning(request.reasoning);
  if (thinking) body.thinking = thinking;

  Object.assign(body, passedThrough, request.providerOptions?.cohere, request.providerOptions?.[providerId]);
  body.stream = options.stream;
  return { body, droppedParams };
}

function convertMessage(message: ChatRequest['messages'][number], index: number): CohereMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user': {
      const { content } = message;
      if (content.length === 1 && content[0].type === 'text') return { role: 'user', content: content[0].text };
      return { role: 'user', content: content.map((part, partIndex) => userContent(part, `messages[${index}].content[${partIndex}]`)) };
    }
    case 'assistant': {
      const content: CohereAssistantContent[] = [];
      for (const block of message.reasoningBlocks ?? []) {
        if (block.type === 'thinking') content.push({ type: 'thinking', thinking: block.text });
      }
      const text = message.content.map((part) => part.text).join('');
      if (text !== '') content.push({ type: 'text', text });
      const converted: Extract<CohereMessage, { role: 'assistant' }> = { role: 'assistant' };
      if (content.length > 0) converted.content = content;
      if (message.toolCalls?.length) {
        converted.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
        if (message.reasoning && !message.reasoningBlocks?.length) converted.tool_plan = message.reasoning;
      }
      return converted;
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function userContent(part: ContentPart, param: string): CohereUserContent {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (!part.url.startsWith('data:') && !part.url.startsWith('https://') && !part.url.startsWith('http://')) {
    throw invalidRequest('An image URL must be an http(s) URL or a base64 data URL.', param);
  }
  return { type: 'image_url', image_url: part.detail === undefined ? { url: part.url } : { url: part.url, detail: part.detail } };
}

function cohereTool(tool: ToolDefinition): CohereTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      parameters: tool.parameters,
    },
  };
}

function convertReasoning(reasoning: ReasoningOptions | undefined): CohereChatRequest['thinking'] {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) {
    return reasoning.budgetTokens > 0 ? { type: 'enabled', token_budget: reasoning.budgetTokens } : { type: 'disabled' };
  }
  return reasoning.effort === undefined ? undefined : { type: 'enabled', token_budget: EFFORT_TOKEN_BUDGETS[reasoning.effort] };
}
