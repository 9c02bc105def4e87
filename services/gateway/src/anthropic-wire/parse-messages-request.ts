import type { z } from 'zod';
import {
  DEFAULT_REQUEST_LIMITS,
  invalidRequest,
  type AssistantMessage,
  type CacheControl,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type GatewayError,
  type ReasoningBlock,
  type RequestLimits,
  type TextPart,
  type ToolChoice,
} from '@switchyard/shared';
import { checkJsonBounds } from '../openai-wire/check-json-bounds';
import { MAPPED_FIELDS, messagesRequestSchema, type MessagesContentBlock, type MessagesRequestBody } from './messages-request-schema';

/** C0 controls, DEL and NUL: never part of a model name, and unsafe in logs and headers. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Parses an Anthropic Messages body into the canonical request, or throws a
 * 400 naming the field. Depth and size are checked first, in one iterative
 * pass, as for OpenAI's bodies. Top-level fields Switchyard does not map
 * (`container`, `service_tier`, `context_management`, …) are kept in
 * `extraBody` exactly as sent, so nothing is dropped without a word: an
 * OpenAI-format upstream receives them, a translated provider refuses them
 * by name unless dropping is allowed.
 */
export function parseMessagesRequest(body: unknown, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): ChatRequest {
  checkJsonBounds(body, { maxDepth: limits.jsonMaxDepth, maxValues: limits.jsonMaxValues });
  const parsed = messagesRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  const data = parsed.data;
  if (data.model.length > limits.modelMaxLength) {
    throw invalidRequest(`Invalid 'model': longer than ${limits.modelMaxLength} characters.`, 'model', 'string_above_max_length');
  }
  if (CONTROL_CHARACTER.test(data.model)) throw invalidRequest("Invalid 'model': it must not contain control characters.", 'model', 'invalid_value');
  const user = data.metadata?.user_id;
  if (user != null && user.length > limits.userMaxLength) {
    throw invalidRequest(
      `Invalid 'metadata.user_id': longer than ${limits.userMaxLength} characters.`,
      'metadata.user_id',
      'string_above_max_length',
    );
  }
  const request = toCanonicalChatRequest(data);
  const extra = Object.entries(body as Record<string, unknown>).filter(([key]) => !MAPPED_FIELDS.has(key));
  if (extra.length > 0) request.extraBody = Object.fromEntries(extra);
  return request;
}

function toCanonicalChatRequest(body: MessagesRequestBody): ChatRequest {
  const stream = body.stream === true;
  // The stream always ends with usage: Anthropic's `message_delta` carries it.
  const request: ChatRequest = { model: body.model, messages: [], sampling: { maxTokens: body.max_tokens }, stream, includeUsage: stream };
  if (typeof body.system === 'string') {
    if (body.system !== '') request.messages.push({ role: 'system', content: body.system });
  } else if (body.system) {
    for (const block of body.system) request.messages.push({ role: 'system', content: block.text, ...cacheControlOf(block.cache_control) });
  }
  body.messages.forEach((message, index) => request.messages.push(...toCanonicalMessages(message, `messages[${index}]`)));

  const { sampling } = request;
  if (body.temperature !== undefined) sampling.temperature = body.temperature;
  if (body.top_p !== undefined) sampling.topP = body.top_p;
  if (body.top_k !== undefined) sampling.topK = body.top_k;
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  if (body.metadata?.user_id != null) request.user = body.metadata.user_id;
  if (body.tools !== undefined && body.tools.length > 0) {
    request.tools = body.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      parameters: tool.input_schema,
      ...(tool.strict !== undefined && { strict: tool.strict }),
      ...cacheControlOf(tool.cache_control),
    }));
  }
  if (body.tool_choice !== undefined) {
    request.toolChoice = toCanonicalToolChoice(body.tool_choice);
    if ('disable_parallel_tool_use' in body.tool_choice && body.tool_choice.disable_parallel_tool_use !== undefined) {
      request.parallelToolCalls = !body.tool_choice.disable_parallel_tool_use;
    }
  }
  const effort = body.output_config?.effort ?? undefined;
  switch (body.thinking?.type) {
    case 'enabled':
      request.reasoning = { budgetTokens: body.thinking.budget_tokens, ...(effort && { effort }) };
      break;
    case 'disabled':
      // A zero budget turns reasoning off where a provider would otherwise think by default.
      request.reasoning = { budgetTokens: 0 };
      break;
    case 'adaptive':
      // The model decides how much to think; Anthropic's default effort is high.
      request.reasoning = { effort: effort ?? 'high' };
      break;
    case undefined:
      if (effort) request.reasoning = { effort };
  }
  const format = body.output_config?.format;
  if (format) request.responseFormat = { type: 'json_schema', name: 'output', schema: format.schema };
  return request;
}

type BodyMessage = MessagesRequestBody['messages'][number];

/**
 * One Anthropic turn as canonical messages: a user turn's `tool_result`
 * blocks become tool messages (in their place among the other blocks), an
 * assistant turn's `thinking`/`redacted_thinking` blocks its reasoning
 * blocks, signatures kept.
 */
function toCanonicalMessages(message: BodyMessage, param: string): ChatMessage[] {
  const blocks: MessagesContentBlock[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  switch (message.role) {
    case 'system':
      return blocks.map((block, index) => {
        if (block.type !== 'text')
          throw invalidRequest('A system message holds text blocks only.', `${param}.content[${index}].type`, 'invalid_value');
        return { role: 'system', content: block.text, ...cacheControlOf(block.cache_control) };
      });
    case 'user':
      return userMessages(blocks, param);
    case 'assistant':
      return [assistantMessage(blocks, param)];
  }
}

function userMessages(blocks: MessagesContentBlock[], param: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let parts: ContentPart[] = [];
  const flush = (): void => {
    if (parts.length > 0) messages.push({ role: 'user', content: parts });
    parts = [];
  };
  blocks.forEach((block, index) => {
    const blockParam = `${param}.content[${index}]`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text, ...cacheControlOf(block.cache_control) });
        break;
      case 'image':
      case 'document':
        parts.push({ type: 'image', url: mediaUrl(block), ...cacheControlOf(block.cache_control) });
        break;
      case 'tool_result': {
        flush();
        const content = typeof block.content === 'string' ? block.content : (block.content ?? []).map((part) => part.text).join('');
        messages.push({ role: 'tool', toolCallId: block.tool_use_id, content, ...cacheControlOf(block.cache_control) });
        break;
      }
      default:
        throw invalidRequest(`A user message cannot hold a ${block.type} block.`, `${blockParam}.type`, 'invalid_value');
    }
  });
  flush();
  return messages;
}

function assistantMessage(blocks: MessagesContentBlock[], param: string): AssistantMessage {
  const content: TextPart[] = [];
  const message: AssistantMessage = { role: 'assistant', content };
  const reasoningBlocks: ReasoningBlock[] = [];
  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        content.push({ type: 'text', text: block.text, ...cacheControlOf(block.cache_control) });
        break;
      case 'tool_use':
        (message.toolCalls ??= []).push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        break;
      case 'thinking':
        reasoningBlocks.push({ type: 'thinking', text: block.thinking, signature: block.signature });
        break;
      case 'redacted_thinking':
        reasoningBlocks.push({ type: 'redacted', data: block.data });
        break;
      default:
        throw invalidRequest(`An assistant message cannot hold a ${block.type} block.`, `${param}.content[${index}].type`, 'invalid_value');
    }
  });
  if (reasoningBlocks.length > 0) {
    message.reasoningBlocks = reasoningBlocks;
    const text = reasoningBlocks.map((block) => (block.type === 'thinking' ? block.text : '')).join('');
    if (text !== '') message.reasoning = text;
  }
  return message;
}

/** Base64 sources become `data:` URLs, the canonical form the provider adapters turn back into their own. */
function mediaUrl(block: Extract<MessagesContentBlock, { type: 'image' | 'document' }>): string {
  const { source } = block;
  return source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}`;
}

function cacheControlOf(control: { type: 'ephemeral'; ttl?: '5m' | '1h' } | null | undefined): { cacheControl?: CacheControl } {
  if (control == null) return {};
  return { cacheControl: { type: 'ephemeral', ...(control.ttl !== undefined && { ttl: control.ttl }) } };
}

function toCanonicalToolChoice(choice: NonNullable<MessagesRequestBody['tool_choice']>): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return { mode: 'auto' };
    case 'any':
      return { mode: 'required' };
    case 'none':
      return { mode: 'none' };
    case 'tool':
      return { mode: 'tool', toolName: choice.name };
  }
}

function validationError(error: z.ZodError): GatewayError {
  const issue = deepestIssue(error.issues[0]);
  const param = formatPath(issue.path);
  if (param === '') return invalidRequest(`The request body must be a JSON object: ${issue.message}`);
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  if (missing) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  return invalidRequest(`Invalid value for '${param}': ${issue.message}`, param, issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value');
}

/**
 * Content is a string or an array of blocks: of a union's failed branches,
 * the one that got furthest names the field (`messages[0].content[2].type`
 * rather than `messages[0].content`).
 */
function deepestIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    if (branch.length === 0) continue;
    const candidate = deepestIssue(branch[0]);
    if (best === undefined || candidate.path.length > best.path.length) best = candidate;
  }
  return best === undefined ? issue : { ...best, path: [...issue.path, ...best.path] };
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text;
}
