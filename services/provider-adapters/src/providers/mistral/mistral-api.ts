import { z } from 'zod';

/**
 * The wire format of Mistral's API (https://docs.mistral.ai/api/):
 * `POST /v1/chat/completions` and `POST /v1/embeddings`, as in the official
 * SDK (mistralai/client-python, `docs/models/chatcompletionrequest.md` and
 * neighbours). Close to OpenAI's Chat Completions, with these differences:
 * `random_seed` instead of `seed`; `tool_choice` also takes `any`; tool call
 * ids are exactly 9 characters of `[a-zA-Z0-9]`; `safe_prompt`,
 * `prompt_mode` (`reasoning`), `prediction`, `guardrails`,
 * `prompt_cache_key`; `content` may be an array of `text` and `thinking`
 * chunks (Magistral reasoning models; a thinking chunk may carry a
 * `signature` to replay it across turns); no `user`, no `stream_options`
 * (the last chunk of a stream always carries `usage`); unknown fields are
 * a 422. Errors: `{object: 'error', message, type, param, code}`, or
 * FastAPI's `{detail: [{loc, msg, type}]}` for a 422.
 */

// ---------------------------------------------------------------- request

export interface MistralChatRequest {
  model: string;
  messages: MistralMessage[];
  tools?: MistralTool[];
  tool_choice?: 'auto' | 'none' | 'any' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  response_format?:
    | { type: 'text' | 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; description?: string; schema: Record<string, unknown>; strict?: boolean } };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  n?: number;
  stop?: string[];
  random_seed?: number;
  reasoning_effort?: 'none' | 'minimal' | 'low' | 'medium' | 'high';
  stream?: boolean;
  [field: string]: unknown;
}

export type MistralMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | MistralUserChunk[] }
  | { role: 'assistant'; content: string | MistralAssistantChunk[] | null; tool_calls?: MistralToolCall[]; prefix?: true }
  | { role: 'tool'; tool_call_id: string; name?: string; content: string };

export type MistralUserChunk = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export type MistralAssistantChunk =
  { type: 'text'; text: string } | { type: 'thinking'; thinking: { type: 'text'; text: string }[]; signature?: string };

export interface MistralToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface MistralTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

export interface MistralEmbeddingRequest {
  model: string;
  input: string[];
  output_dimension?: number;
}

// --------------------------------------------------------------- response

export const mistralUsageSchema = z.object({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
});
export type MistralUsage = z.infer<typeof mistralUsageSchema>;

/** A string, or chunks: `text`, `thinking` (with text parts and an optional signature), and others (references, images) read as `unsupported`. */
const contentSchema = z.union([
  z.string(),
  z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({
        type: z.literal('thinking'),
        thinking: z.array(z.object({ type: z.string().nullish(), text: z.string().nullish() }).passthrough()),
        signature: z.string().nullish(),
      }),
      z.object({ type: z.string() }).transform(() => ({ type: 'unsupported' as const })),
    ]),
  ),
]);
export type MistralContent = z.infer<typeof contentSchema>;

const toolCallSchema = z.object({
  id: z.string().nullish(),
  index: z.number().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish() }),
});
export type MistralToolCallDelta = z.infer<typeof toolCallSchema>;

export const mistralChatResponseSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      message: z.object({ content: contentSchema.nullish(), tool_calls: z.array(toolCallSchema).nullish() }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: mistralUsageSchema.nullish(),
});
export type MistralChatResponse = z.infer<typeof mistralChatResponseSchema>;

export const mistralChatChunkSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().nullish(),
        delta: z.object({ content: contentSchema.nullish(), tool_calls: z.array(toolCallSchema).nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: mistralUsageSchema.nullish(),
});
export type MistralChatChunk = z.infer<typeof mistralChatChunkSchema>;

export const mistralEmbeddingResponseSchema = z.object({
  model: z.string().nullish(),
  data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })),
  usage: mistralUsageSchema.nullish(),
});
export type MistralEmbeddingResponse = z.infer<typeof mistralEmbeddingResponseSchema>;

/**
 * An error body: `{message, type, param, code}` (with `object: 'error'`),
 * `message` sometimes an object, or FastAPI's `detail` list on a 422.
 */
export const mistralErrorBodySchema = z.object({
  message: z.unknown().optional(),
  type: z.string().nullish(),
  param: z.string().nullish().catch(null),
  code: z.union([z.string(), z.number()]).nullish().catch(null),
  detail: z
    .union([z.string(), z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])).nullish(), msg: z.string().nullish() }))])
    .nullish(),
});
export type MistralErrorBody = z.infer<typeof mistralErrorBodySchema>;

/** The first problem a schema found, for an error message. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the chat completions API';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
