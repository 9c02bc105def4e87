import { z } from 'zod';

/**
 * The wire format of Cohere's v2 API:
 * - Chat: `POST /v2/chat`, https://docs.cohere.com/reference/chat (request,
 *   response) and https://docs.cohere.com/reference/chat-stream (the SSE
 *   events `message-start`, `content-start`, `content-delta`, `content-end`,
 *   `tool-plan-delta`, `tool-call-start`, `tool-call-delta`, `tool-call-end`,
 *   `citation-start`, `citation-end`, `message-end`, `debug`), as in the
 *   official SDK (cohere-ai/cohere-python, `src/cohere/v2/`).
 * - Embed: `POST /v2/embed`, https://docs.cohere.com/reference/embed.
 * - Errors: a status and `{id?, message}`,
 *   https://docs.cohere.com/reference/errors.
 * Requests are typed; responses and events are validated with the schemas
 * below, which ignore unknown fields and event types so additions never
 * break a response.
 */

// ---------------------------------------------------------------- request

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  tools?: CohereTool[];
  /** Absent: the model chooses. Cohere has no way to name one tool; see the converter. */
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  response_format?: { type: 'text' } | { type: 'json_object'; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  /** Top-k sampling. */
  k?: number;
  /** Top-p (nucleus) sampling. */
  p?: number;
  thinking?: { type: 'enabled' | 'disabled'; token_budget?: number };
  stream?: boolean;
  [field: string]: unknown;
}

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereUserContent[] }
  | { role: 'assistant'; content?: CohereAssistantContent[]; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export type CohereUserContent = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export type CohereAssistantContent = { type: 'text'; text: string } | { type: 'thinking'; thinking: string };

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  /** Required by Embed v3 and newer models. */
  input_type: CohereEmbedInputType;
  embedding_types: ['float'];
  output_dimension?: number;
}

export const cohereEmbedInputTypes = ['search_document', 'search_query', 'classification', 'clustering'] as const;
export type CohereEmbedInputType = (typeof cohereEmbedInputTypes)[number];

// --------------------------------------------------------------- response

/**
 * `billed_units` are the tokens Cohere charges for (the request's own
 * tokens); `tokens` also count the prompt template Cohere adds around them,
 * and `cached_tokens` count those of `tokens.input_tokens` that hit the cache.
 */
export const cohereUsageSchema = z.object({
  billed_units: z.object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish(),
  tokens: z.object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish(),
  cached_tokens: z.number().nullish(),
});
export type CohereUsage = z.infer<typeof cohereUsageSchema>;

const toolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

/** Text and thinking items; other item types (added later) are read as `unsupported` and left out. */
const contentItemSchema = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('thinking'), thinking: z.string() }),
  z.object({ type: z.string() }).transform(() => ({ type: 'unsupported' as const })),
]);

export const cohereChatResponseSchema = z.object({
  id: z.string(),
  finish_reason: z.string().nullish(),
  message: z.object({
    content: z.array(contentItemSchema).nullish(),
    tool_plan: z.string().nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
  }),
  usage: cohereUsageSchema.nullish(),
});
export type CohereChatResponse = z.infer<typeof cohereChatResponseSchema>;

const contentDeltaSchema = z.object({ text: z.string().nullish(), thinking: z.string().nullish(), type: z.string().nullish() });

export const cohereStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message-start'), id: z.string().nullish() }),
  z.object({
    type: z.literal('content-start'),
    index: z.number().nullish(),
    delta: z.object({ message: z.object({ content: contentDeltaSchema.nullish() }).nullish() }).nullish(),
  }),
  z.object({
    type: z.literal('content-delta'),
    index: z.number().nullish(),
    delta: z.object({ message: z.object({ content: contentDeltaSchema.nullish() }).nullish() }).nullish(),
  }),
  z.object({ type: z.literal('content-end'), index: z.number().nullish() }),
  z.object({
    type: z.literal('tool-plan-delta'),
    delta: z.object({ message: z.object({ tool_plan: z.string().nullish() }).nullish() }).nullish(),
  }),
  z.object({
    type: z.literal('tool-call-start'),
    index: z.number().nullish(),
    delta: z.object({ message: z.object({ tool_calls: toolCallSchema.nullish() }).nullish() }).nullish(),
  }),
  z.object({
    type: z.literal('tool-call-delta'),
    index: z.number().nullish(),
    delta: z.object({ message: z.object({ tool_calls: toolCallSchema.nullish() }).nullish() }).nullish(),
  }),
  z.object({ type: z.literal('tool-call-end'), index: z.number().nullish() }),
  z.object({
    type: z.literal('message-end'),
    delta: z.object({ finish_reason: z.string().nullish(), error: z.string().nullish(), usage: cohereUsageSchema.nullish() }).nullish(),
  }),
]);
export type CohereStreamEvent = z.infer<typeof cohereStreamEventSchema>;

/** Event types that carry nothing this gateway translates (citations, debug prompts). */
export const IGNORED_STREAM_EVENT_TYPES: ReadonlySet<string> = new Set(['citation-start', 'citation-end', 'debug']);

export const cohereEmbedResponseSchema = z.object({
  id: z.string().nullish(),
  embeddings: z.object({ float: z.array(z.array(z.number())) }),
  meta: z.object({ billed_units: z.object({ input_tokens: z.number().nullish() }).nullish() }).nullish(),
});
export type CohereEmbedResponse = z.infer<typeof cohereEmbedResponseSchema>;

/** An error answer's body. */
export const cohereErrorBodySchema = z.object({ message: z.string() });

/** The first problem a schema found, for an error message: `message.content.0.text: Invalid input...`. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the v2 API';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
