import { z } from 'zod';

/**
 * The wire format of Anthropic's Messages API (`POST /v1/messages`,
 * `anthropic-version: 2023-06-01`), as documented at
 * https://docs.claude.com/en/api/messages (blocks, `cache_control`),
 * https://docs.claude.com/en/docs/build-with-claude/extended-thinking (thinking
 * and redacted thinking blocks, `signature_delta`) and
 * https://docs.claude.com/en/docs/build-with-claude/streaming (events).
 * Requests are typed; responses and stream events are validated with the
 * schemas below. Block, delta and event types this gateway does not translate
 * (server tools, citations...) parse as `{ type: 'unsupported' }` so that new
 * ones never break a response.
 */

export const ANTHROPIC_VERSION = '2023-06-01';

// ---------------------------------------------------------------- request

export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  /** Blocks when a part of it carries `cache_control`, a string otherwise. */
  system?: string | AnthropicTextBlock[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  thinking?: { type: 'enabled'; budget_tokens: number };
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
  stream?: boolean;
}

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicRequestBlock[];
}

export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

/** A prompt-cache breakpoint: the prefix of the request up to this block is cached. */
export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

/** A thinking block of an earlier assistant turn, sent back with its signature unchanged. */
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

export type AnthropicSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicSource;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicDocumentBlock {
  type: 'document';
  source: AnthropicSource;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

// ---------------------------------------------------------------- response

/** Matches any `type` except the listed ones, and forgets the rest of the object. */
function unsupportedType(known: readonly string[]) {
  return z.object({ type: z.string().refine((type) => !known.includes(type)) }).transform(() => ({ type: 'unsupported' as const }));
}

/**
 * Token counts. In a stream, `message_start` carries the first counts and
 * `message_delta` the cumulative ones; any field may be absent or null there.
 */
export const anthropicUsageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  output_tokens_details: z.object({ thinking_tokens: z.number().nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

const stopDetailsSchema = z.object({ explanation: z.string().nullish() }).nullish();

const contentBlockSchema = z.union([
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string() }),
    // A block's start event carries an empty signature; the whole one follows in a signature_delta.
    z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().nullish() }),
    z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
    z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
  ]),
  unsupportedType(['text', 'thinking', 'redacted_thinking', 'tool_use']),
]);
export type AnthropicContentBlock = z.infer<typeof contentBlockSchema>;

export const anthropicMessageSchema = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(contentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_details: stopDetailsSchema,
  usage: anthropicUsageSchema,
});
export type AnthropicMessageResponse = z.infer<typeof anthropicMessageSchema>;

const deltaSchema = z.union([
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('text_delta'), text: z.string() }),
    z.object({ type: z.literal('thinking_delta'), thinking: z.string() }),
    z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }),
    z.object({ type: z.literal('signature_delta'), signature: z.string() }),
  ]),
  unsupportedType(['text_delta', 'thinking_delta', 'input_json_delta', 'signature_delta']),
]);

const errorDetailSchema = z.object({ type: z.string(), message: z.string() });

const knownStreamEventTypes = [
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
] as const;

export const anthropicStreamEventSchema = z.union([
  z.discriminatedUnion('type', [
    z.object({
      type: z.literal('message_start'),
      message: z.object({ id: z.string(), model: z.string(), usage: anthropicUsageSchema }),
    }),
    z.object({ type: z.literal('content_block_start'), index: z.number(), content_block: contentBlockSchema }),
    z.object({ type: z.literal('content_block_delta'), index: z.number(), delta: deltaSchema }),
    z.object({ type: z.literal('content_block_stop'), index: z.number() }),
    z.object({
      type: z.literal('message_delta'),
      delta: z.object({ stop_reason: z.string().nullish(), stop_details: stopDetailsSchema }),
      usage: anthropicUsageSchema.nullish(),
    }),
    z.object({ type: z.literal('message_stop') }),
    z.object({ type: z.literal('ping') }),
    z.object({ type: z.literal('error'), error: errorDetailSchema }),
  ]),
  unsupportedType(knownStreamEventTypes),
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

/** The body of every error answer, and the payload of a stream's `error` event. */
export const anthropicErrorBodySchema = z.object({ type: z.literal('error'), error: errorDetailSchema });
export type AnthropicErrorDetail = z.infer<typeof errorDetailSchema>;

/** The first problem a schema found, for an error message: `content.0.text: Invalid input...`. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the Messages API';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
