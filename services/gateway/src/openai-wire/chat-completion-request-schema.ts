import { z } from 'zod';

/**
 * OpenAI's Chat Completions request, as clients send it. Fields Switchyard
 * uses are checked, and a wrong one is a 400 that names it; top-level fields
 * it does not model are kept as they are (see `parseChatCompletionRequest`).
 * Optional fields accept `null` as "not set", as OpenAI does.
 */

const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

/** A prompt-cache breakpoint on a part or tool, in Anthropic's (and LiteLLM's) shape. */
const cacheControl = z.object({ type: z.literal('ephemeral'), ttl: optional(z.enum(['5m', '1h'])) });

const textPart = z.object({ type: z.literal('text'), text: z.string(), cache_control: optional(cacheControl) });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: optional(z.enum(['auto', 'low', 'high'])) }),
  cache_control: optional(cacheControl),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

const textContent = z.union([z.string(), z.array(textPart)]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** An assistant turn's reasoning as a provider returned it (LiteLLM's `thinking_blocks`), sent back unchanged. */
const thinkingBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: optional(z.string()) }),
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
]);

const systemMessage = z.object({ role: z.enum(['system', 'developer']), content: textContent, name: optional(z.string()) });
const userMessage = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))]),
  name: optional(z.string()),
});
const assistantMessage = z.object({
  role: z.literal('assistant'),
  content: optional(z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart]))])),
  tool_calls: optional(z.array(toolCall)),
  refusal: optional(z.string()),
  reasoning_content: optional(z.string()),
  thinking_blocks: optional(z.array(thinkingBlock)),
  name: optional(z.string()),
});
const toolMessage = z.object({ role: z.literal('tool'), tool_call_id: z.string(), content: textContent });

export const chatMessageSchema = z.discriminatedUnion('role', [systemMessage, userMessage, assistantMessage, toolMessage]);

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: optional(z.string()),
    parameters: optional(z.record(z.string(), z.unknown())),
    strict: optional(z.boolean()),
  }),
  cache_control: optional(cacheControl),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      description: optional(z.string()),
      schema: optional(z.record(z.string(), z.unknown())),
      strict: optional(z.boolean()),
    }),
  }),
]);

export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  tools: optional(z.array(tool)),
  tool_choice: optional(toolChoice),
  parallel_tool_calls: optional(z.boolean()),
  response_format: optional(responseFormat),
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  max_tokens: optional(z.number().int().positive()),
  max_completion_tokens: optional(z.number().int().positive()),
  presence_penalty: optional(z.number().min(-2).max(2)),
  frequency_penalty: optional(z.number().min(-2).max(2)),
  n: optional(z.number().int().min(1).max(128)),
  stop: optional(z.union([z.string(), z.array(z.string()).max(4)])),
  seed: optional(z.number().int()),
  user: optional(z.string()),
  metadata: optional(z.record(z.string(), z.string())),
  stream: optional(z.boolean()),
  stream_options: optional(z.object({ include_usage: optional(z.boolean()) })),
  reasoning_effort: optional(z.enum(['minimal', 'low', 'medium', 'high'])),
  /** Fields added to the upstream body as they are (what OpenAI's SDKs merge into the body client-side, sent as an object). */
  extra_body: optional(z.record(z.string(), z.unknown())),
  /** Options for one provider, keyed by provider kind (`anthropic`) or configured provider id, merged into that provider's request. */
  provider_options: optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;

export const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  dimensions: optional(z.number().int().positive()),
  user: optional(z.string()),
  encoding_format: optional(z.enum(['float', 'base64'])),
});

export type EmbeddingsRequestBody = z.infer<typeof embeddingsRequestSchema>;
