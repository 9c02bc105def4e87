import type { z } from 'zod';
import {
  DEFAULT_REQUEST_LIMITS,
  invalidRequest,
  type CacheControl,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type EmbeddingRequest,
  type GatewayError,
  type ReasoningBlock,
  type RequestLimits,
  type ResponseFormat,
  type TextPart,
  type ToolChoice,
} from '@switchyard/shared';
import {
  chatCompletionRequestSchema,
  embeddingsRequestSchema,
  type ChatCompletionRequestBody,
  type EmbeddingsRequestBody,
} from './chat-completion-request-schema';
import { checkJsonBounds } from './check-json-bounds';

/**
 * Parses an OpenAI Chat Completions body into the canonical request, or
 * throws a 400 naming the field. The body's depth and size are checked first,
 * in one iterative pass, so nothing recursive ever walks an unbounded body.
 */
export function parseChatCompletionRequest(body: unknown, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): ChatRequest {
  checkJsonBounds(body, { maxDepth: limits.jsonMaxDepth, maxValues: limits.jsonMaxValues });
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  const data = parsed.data;
  checkModel(data.model, limits);
  checkUser(data.user, limits);
  if (data.metadata != null) checkMetadata(data.metadata, 'metadata', limits);
  const request = toCanonicalChatRequest(data);
  const extraBody = unmodelledFields(body as Record<string, unknown>, data.extra_body);
  if (extraBody !== undefined) request.extraBody = extraBody;
  if (data.provider_options != null && Object.keys(data.provider_options).length > 0) {
    request.providerOptions = Object.fromEntries(Object.entries(data.provider_options));
  }
  return request;
}

/** Top-level fields the schema knows: everything else in a body is passed on, not dropped. */
const MODELLED_FIELDS: ReadonlySet<string> = new Set(Object.keys(chatCompletionRequestSchema.shape));

/**
 * The body's top-level fields Switchyard does not model (`logprobs`,
 * `logit_bias`, `service_tier`, vLLM's `top_k`, ...), exactly as sent, with
 * `extra_body`'s fields over them. Built with `Object.fromEntries`, which
 * defines a `__proto__` key as a plain field instead of setting a prototype.
 * The body's size and depth were bounded before this runs.
 */
function unmodelledFields(body: Record<string, unknown>, extraBody: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  const entries = Object.entries(body).filter(([name]) => !MODELLED_FIELDS.has(name));
  if (extraBody != null) entries.push(...Object.entries(extraBody));
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/** How the client wants vectors written: JSON numbers, or base64 of little-endian float32 (the OpenAI SDKs' default). */
export type EmbeddingEncoding = 'float' | 'base64';

export function parseEmbeddingsRequest(
  body: unknown,
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
): { request: EmbeddingRequest; encoding: EmbeddingEncoding } {
  checkJsonBounds(body, { maxDepth: limits.jsonMaxDepth, maxValues: limits.jsonMaxValues });
  const parsed = embeddingsRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  const data: EmbeddingsRequestBody = parsed.data;
  checkModel(data.model, limits);
  checkUser(data.user, limits);
  checkEmbeddingInput(data.input, limits);
  return {
    request: {
      model: data.model,
      input: typeof data.input === 'string' ? [data.input] : data.input,
      ...(data.dimensions != null && { dimensions: data.dimensions }),
      ...(data.user != null && { user: data.user }),
    },
    encoding: data.encoding_format ?? 'float',
  };
}

/** C0 controls, DEL and NUL: never part of a model name, and unsafe in logs and headers. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function checkModel(model: string, limits: RequestLimits): void {
  if (model.length > limits.modelMaxLength) {
    throw invalidRequest(`Invalid 'model': longer than ${limits.modelMaxLength} characters.`, 'model', 'string_above_max_length');
  }
  if (CONTROL_CHARACTER.test(model)) {
    throw invalidRequest("Invalid 'model': it must not contain control characters.", 'model', 'invalid_value');
  }
}

function checkUser(user: string | null | undefined, limits: RequestLimits): void {
  if (user != null && user.length > limits.userMaxLength) {
    throw invalidRequest(`Invalid 'user': longer than ${limits.userMaxLength} characters.`, 'user', 'string_above_max_length');
  }
}

/** The limits of OpenAI's own `metadata`, shared with the `x-switchyard-metadata` header. */
export function checkMetadata(metadata: Record<string, string>, param: string, limits: RequestLimits): void {
  const keys = Object.keys(metadata);
  if (keys.length > limits.metadataMaxKeys) {
    throw invalidRequest(`Invalid '${param}': more than ${limits.metadataMaxKeys} keys.`, param, 'object_above_max_properties');
  }
  for (const key of keys) {
    if (key.length > limits.metadataKeyMaxLength) {
      throw invalidRequest(`Invalid '${param}': a key is longer than ${limits.metadataKeyMaxLength} characters.`, param, 'string_above_max_length');
    }
    if (metadata[key].length > limits.metadataValueMaxLength) {
      throw invalidRequest(
        `Invalid '${param}': the value of a key is longer than ${limits.metadataValueMaxLength} characters.`,
        param,
        'string_above_max_length',
      );
    }
  }
}

function checkEmbeddingInput(input: string | string[], limits: RequestLimits): void {
  const inputs = typeof input === 'string' ? [input] : input;
  if (inputs.length > limits.embeddingMaxInputs) {
    throw invalidRequest(`Invalid 'input': more than ${limits.embeddingMaxInputs} inputs.`, 'input', 'array_above_max_length');
  }
  let total = 0;
  for (const text of inputs) total += text.length;
  if (total > limits.embeddingMaxTotalLength) {
    throw invalidRequest(
      `Invalid 'input': more than ${limits.embeddingMaxTotalLength} characters in all; split it over several requests.`,
      'input',
      'string_above_max_length',
    );
  }
}

function validationError(error: z.ZodError): GatewayError {
  const issue = error.issues[0];
  const param = formatPath(issue.path);
  if (param === '') return invalidRequest(`The request body must be a JSON object: ${issue.message}`);
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  if (missing) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  return invalidRequest(`Invalid value for '${param}': ${issue.message}`, param, issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value');
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text;
}

function toCanonicalChatRequest(body: ChatCompletionRequestBody): ChatRequest {
  const request: ChatRequest = {
    model: body.model,
    messages: body.messages.flatMap(toCanonicalMessages),
    sampling: {},
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
  const sampling = request.sampling;
  if (body.temperature != null) sampling.temperature = body.temperature;
  if (body.top_p != null) sampling.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) sampling.maxTokens = maxTokens;
  if (body.presence_penalty != null) sampling.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) sampling.frequencyPenalty = body.frequency_penalty;
  if (body.n != null) sampling.n = body.n;
  if (body.tools != null) {
    request.tools = body.tools.map(({ function: fn, cache_control }) => ({
      name: fn.name,
      ...(fn.description != null && { description: fn.description }),
      parameters: fn.parameters ?? { type: 'object', properties: {} },
      ...(fn.strict != null && { strict: fn.strict }),
      ...cacheControlOf(cache_control),
    }));
  }
  if (body.tool_choice != null) request.toolChoice = toCanonicalToolChoice(body.tool_choice);
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  if (body.response_format != null) request.responseFormat = toCanonicalResponseFormat(body.response_format);
  if (body.stop != null) request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.seed != null) request.seed = body.seed;
  if (body.user != null) request.user = body.user;
  if (body.metadata != null) request.metadata = body.metadata;
  if (body.reasoning_effort != null) request.reasoning = { effort: body.reasoning_effort };
  return request;
}

type BodyMessage = ChatCompletionRequestBody['messages'][number];

/**
 * One canonical message per body message, except a system message whose parts
 * carry `cache_control`: each part becomes a system message of its own, so
 * that every cache breakpoint stays where the client put it.
 */
function toCanonicalMessages(message: BodyMessage): ChatMessage[] {
  if ((message.role === 'system' || message.role === 'developer') && typeof message.content !== 'string') {
    const parts = message.content;
    if (parts.some((part) => part.cache_control != null)) {
      return parts.map((part) => ({ role: 'system', content: part.text, ...cacheControlOf(part.cache_control) }));
    }
  }
  return [toCanonicalMessage(message)];
}

function toCanonicalMessage(message: BodyMessage): ChatMessage {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: joinText(message.content) };
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content.map(toCanonicalPart),
        ...(message.name != null && { name: message.name }),
      };
    case 'assistant': {
      const content: TextPart[] = [];
      let refusal = message.refusal ?? undefined;
      if (typeof message.content === 'string') content.push({ type: 'text', text: message.content });
      else if (message.content != null) {
        for (const part of message.content) {
          if (part.type === 'text') content.push({ type: 'text', text: part.text, ...cacheControlOf(part.cache_control) });
          else refusal = part.refusal;
        }
      }
      return {
        role: 'assistant',
        content,
        ...(message.tool_calls != null &&
          message.tool_calls.length > 0 && {
            toolCalls: message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
          }),
        ...(message.reasoning_content != null && { reasoning: message.reasoning_content }),
        ...(message.thinking_blocks != null &&
          message.thinking_blocks.length > 0 && { reasoningBlocks: message.thinking_blocks.map(toReasoningBlock) }),
        ...(refusal != null && { refusal }),
      };
    }
    case 'tool': {
      // A tool result is one block upstream: the last breakpoint among its parts marks it.
      const marked = typeof message.content === 'string' ? undefined : message.content.findLast((part) => part.cache_control != null);
      return { role: 'tool', toolCallId: message.tool_call_id, content: joinText(message.content), ...cacheControlOf(marked?.cache_control) };
    }
  }
}

function toReasoningBlock(
  block: { type: 'thinking'; thinking: string; signature?: string | null } | { type: 'redacted_thinking'; data: string },
): ReasoningBlock {
  if (block.type === 'redacted_thinking') return { type: 'redacted', data: block.data };
  return { type: 'thinking', text: block.thinking, ...(block.signature != null && { signature: block.signature }) };
}

function cacheControlOf(cacheControl: { type: 'ephemeral'; ttl?: '5m' | '1h' | null } | null | undefined): { cacheControl?: CacheControl } {
  if (cacheControl == null) return {};
  return { cacheControl: { type: 'ephemeral', ...(cacheControl.ttl != null && { ttl: cacheControl.ttl }) } };
}

type BodyCacheControl = Parameters<typeof cacheControlOf>[0];

function toCanonicalPart(
  part:
    | { type: 'text'; text: string; cache_control?: BodyCacheControl }
    | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' | null }; cache_control?: BodyCacheControl },
): ContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text, ...cacheControlOf(part.cache_control) };
  return {
    type: 'image',
    url: part.image_url.url,
    ...(part.image_url.detail != null && { detail: part.image_url.detail }),
    ...cacheControlOf(part.cache_control),
  };
}

function joinText(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

function toCanonicalToolChoice(choice: NonNullable<ChatCompletionRequestBody['tool_choice']>): ToolChoice {
  if (typeof choice === 'string') return { mode: choice };
  return { mode: 'tool', toolName: choice.function.name };
}

function toCanonicalResponseFormat(format: NonNullable<ChatCompletionRequestBody['response_format']>): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  const schema = format.json_schema;
  return {
    type: 'json_schema',
    name: schema.name,
    schema: schema.schema ?? {},
    ...(schema.description != null && { description: schema.description }),
    ...(schema.strict != null && { strict: schema.strict }),
  };
}
