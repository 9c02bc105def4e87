import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  DEFAULT_REQUEST_LIMITS,
  invalidRequest,
  type AssistantMessage,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type GatewayError,
  type RequestLimits,
  type ResponseFormat,
  type ToolChoice,
} from '@switchyard/shared';
import { checkJsonBounds } from '../openai-wire/check-json-bounds';
import { MAPPED_FIELDS, responsesRequestSchema, type ResponsesInputItem, type ResponsesRequestBody } from './responses-request-schema';

/** C0 controls, DEL and NUL: never part of a model name, and unsafe in logs and headers. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** An input or output item in OpenAI's own shape, with its id: what is stored and replayed. */
export type ResponseItem = Record<string, unknown> & { type: string; id: string };

/** A checked Responses request: the body as sent, its validated fields, its input as items with ids. */
export interface ParsedResponsesRequest {
  /** The body exactly as the client sent it (what a Responses-native upstream receives). */
  raw: Record<string, unknown>;
  body: ResponsesRequestBody;
  /** `input` as items (a string becomes one user message), each with an id. */
  inputItems: ResponseItem[];
  /** Top-level fields Switchyard does not translate, as sent. */
  extraBody?: Record<string, unknown>;
  stream: boolean;
  /** `store`, default true as in OpenAI's API. */
  store: boolean;
}

/** `<prefix>_<48 hex>`, as OpenAI's ids look. */
export function newItemId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

/**
 * Checks a Responses body (depth and size first, as for every body), or
 * throws a 400 naming the field. Nothing is translated yet: that needs the
 * stored conversation of `previous_response_id` (`toChatRequest`).
 */
export function parseResponsesRequest(body: unknown, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): ParsedResponsesRequest {
  checkJsonBounds(body, { maxDepth: limits.jsonMaxDepth, maxValues: limits.jsonMaxValues });
  const parsed = responsesRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  const data = parsed.data;
  if (data.model.length > limits.modelMaxLength) {
    throw invalidRequest(`Invalid 'model': longer than ${limits.modelMaxLength} characters.`, 'model', 'string_above_max_length');
  }
  if (CONTROL_CHARACTER.test(data.model)) throw invalidRequest("Invalid 'model': it must not contain control characters.", 'model', 'invalid_value');
  if (data.user != null && data.user.length > limits.userMaxLength) {
    throw invalidRequest(`Invalid 'user': longer than ${limits.userMaxLength} characters.`, 'user', 'string_above_max_length');
  }
  const raw = body as Record<string, unknown>;
  const extra = Object.entries(raw).filter(([key]) => !MAPPED_FIELDS.has(key));
  return {
    raw,
    body: data,
    inputItems: inputItemsOf(data.input),
    ...(extra.length > 0 && { extraBody: Object.fromEntries(extra) }),
    stream: data.stream === true,
    store: data.store ?? true,
  };
}

function inputItemsOf(input: ResponsesRequestBody['input']): ResponseItem[] {
  if (typeof input === 'string') return [{ type: 'message', id: newItemId('msg'), role: 'user', content: [{ type: 'input_text', text: input }] }];
  return input.map((item) => {
    const type = item.type ?? 'message';
    const id = typeof item.id === 'string' && item.id !== '' ? item.id : newItemId(ID_PREFIX[type] ?? 'item');
    if (type === 'message' && 'role' in item && typeof item.content === 'string') {
      const textType = item.role === 'assistant' ? 'output_text' : 'input_text';
      return { ...item, type, id, content: [{ type: textType, text: item.content }] };
    }
    return { ...item, type, id };
  });
}

const ID_PREFIX: Record<string, string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco', reasoning: 'rs' };

/**
 * The canonical request: `instructions` as the system message, then the
 * stored conversation (`history`: the items of the responses before this
 * one, inputs and outputs, oldest first), then this request's input. Every
 * item, tool or option Switchyard cannot translate is a 400 naming it.
 */
export function toChatRequest(parsed: ParsedResponsesRequest, history: readonly ResponseItem[] = []): ChatRequest {
  const { body } = parsed;
  const request: ChatRequest = { model: body.model, messages: [], sampling: {}, stream: parsed.stream, includeUsage: parsed.stream };
  if (body.instructions != null && body.instructions !== '') request.messages.push({ role: 'system', content: body.instructions });
  request.messages.push(...toCanonicalMessages(history, 'previous_response_id'));
  request.messages.push(...toCanonicalMessages(parsed.inputItems, 'input'));
  if (request.messages.every((message) => message.role === 'system')) {
    throw invalidRequest("The request holds no input: 'input' must have at least one item.", 'input', 'invalid_value');
  }
  const { sampling } = request;
  if (body.temperature != null) sampling.temperature = body.temperature;
  if (body.top_p != null) sampling.topP = body.top_p;
  if (body.max_output_tokens != null) sampling.maxTokens = body.max_output_tokens;
  if (body.user != null) request.user = body.user;
  if (body.metadata != null) request.metadata = body.metadata;
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  if (body.reasoning?.effort != null) request.reasoning = { effort: body.reasoning.effort };
  if (body.tools != null && body.tools.length > 0) {
    request.tools = body.tools.map((tool, index) => {
      if (tool.type !== 'function' || typeof tool.name !== 'string') throw untranslatable(`The tool type ${tool.type}`, `tools[${index}].type`);
      const { name, description, parameters, strict } = tool as {
        name: string;
        description?: string | null;
        parameters?: Record<string, unknown> | null;
        strict?: boolean | null;
      };
      return {
        name,
        ...(description != null && { description }),
        parameters: parameters ?? { type: 'object', properties: {} },
        ...(strict != null && { strict }),
      };
    });
  }
  if (body.tool_choice != null) request.toolChoice = toCanonicalToolChoice(body.tool_choice);
  const format = body.text?.format;
  if (format != null) request.responseFormat = toResponseFormat(format);
  if (body.text?.verbosity != null) throw untranslatable("'text.verbosity'", 'text.verbosity');
  if (parsed.extraBody) {
    request.extraBody = parsed.extraBody;
    request.extraBodyFormat = 'openai-responses';
  }
  return request;
}

/** Items as canonical messages: an assistant message and the function calls after it form one assistant turn. */
function toCanonicalMessages(items: readonly Record<string, unknown>[], param: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let assistant: AssistantMessage | undefined;
  const openAssistant = (): AssistantMessage => {
    if (!assistant) {
      assistant = { role: 'assistant', content: [] };
      messages.push(assistant);
    }
    return assistant;
  };
  items.forEach((raw, index) => {
    const item = raw as ResponsesInputItem & Record<string, unknown>;
    const itemParam = `${param}[${index}]`;
    const type = item.type ?? 'message';
    switch (type) {
      case 'message': {
        const role = item.role as 'user' | 'assistant' | 'system' | 'developer';
        const parts = (typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : item.content) as Record<string, unknown>[];
        if (role === 'assistant') {
          const turn = openAssistant();
          parts.forEach((part, partIndex) => {
            if (part.type === 'output_text' || part.type === 'input_text') turn.content.push({ type: 'text', text: part.text as string });
            else if (part.type === 'refusal') turn.refusal = (turn.refusal ?? '') + (part.refusal as string);
            else
              throw invalidRequest(
                `An assistant message cannot hold a ${String(part.type)} part.`,
                `${itemParam}.content[${partIndex}].type`,
                'invalid_value',
              );
          });
          return;
        }
        assistant = undefined;
        if (role === 'system' || role === 'developer') {
          messages.push({ role: 'system', content: parts.map((part, partIndex) => textOf(part, `${itemParam}.content[${partIndex}]`)).join('') });
          return;
        }
        messages.push({ role: 'user', content: parts.map((part, partIndex) => userPart(part, `${itemParam}.content[${partIndex}]`)) });
        return;
      }
      case 'function_call':
        (openAssistant().toolCalls ??= []).push({ id: item.call_id as string, name: item.name as string, arguments: item.arguments as string });
        return;
      case 'function_call_output': {
        assistant = undefined;
        const output = item.output as string | Record<string, unknown>[];
        const content =
          typeof output === 'string' ? output : output.map((part, partIndex) => textOf(part, `${itemParam}.output[${partIndex}]`)).join('');
        messages.push({ role: 'tool', toolCallId: item.call_id as string, content });
        return;
      }
      case 'reasoning':
        // A summary is not the reasoning itself: no provider can verify it, so it is not sent back.
        return;
      default:
        throw untranslatable(`The input item type ${type}`, `${itemParam}.type`);
    }
  });
  return messages;
}

function userPart(part: Record<string, unknown>, param: string): ContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text as string };
    case 'input_image':
      if (typeof part.image_url !== 'string') throw untranslatable("An input_image by 'file_id'", `${param}.file_id`);
      return { type: 'image', url: part.image_url, ...(part.detail != null && { detail: part.detail as 'auto' | 'low' | 'high' }) };
    default:
      throw untranslatable(`The content part type ${String(part.type)}`, `${param}.type`);
  }
}

function textOf(part: Record<string, unknown>, param: string): string {
  if (part.type === 'input_text' || part.type === 'output_text') return part.text as string;
  throw invalidRequest(`Only text parts are accepted here, not ${String(part.type)}.`, `${param}.type`, 'invalid_value');
}

function toCanonicalToolChoice(choice: NonNullable<ResponsesRequestBody['tool_choice']>): ToolChoice {
  if (typeof choice === 'string') return { mode: choice };
  if (choice.type === 'function' && typeof choice.name === 'string') return { mode: 'tool', toolName: choice.name };
  throw untranslatable(`The tool_choice type ${choice.type}`, 'tool_choice.type');
}

function toResponseFormat(format: NonNullable<NonNullable<ResponsesRequestBody['text']>['format']>): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    name: format.name,
    schema: format.schema,
    ...(format.description != null && { description: format.description }),
    ...(format.strict != null && { strict: format.strict }),
  };
}

/** What only a Responses-native upstream could honour: Switchyard's translation to other providers cannot. */
function untranslatable(what: string, param: string): GatewayError {
  return invalidRequest(
    `${what} is supported only by upstreams that speak the Responses API; the model's provider is reached through translation.`,
    param,
    'unsupported_parameter',
  );
}

function validationError(error: z.ZodError): GatewayError {
  const issue = deepestIssue(error.issues[0]);
  const param = formatPath(issue.path);
  if (param === '') return invalidRequest(`The request body must be a JSON object: ${issue.message}`);
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  if (missing) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  return invalidRequest(`Invalid value for '${param}': ${issue.message}`, param, issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value');
}

/** Of a union's failed branches, the one that got furthest names the field. */
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
