import { z } from 'zod';

/**
 * The Chat Completions and Embeddings wire format. Response schemas are
 * lenient: OpenAI-compatible servers (Ollama, vLLM, DeepSeek, xAI, Groq,
 * Mistral, Azure, OpenRouter) add fields of their own and send `null` where
 * OpenAI leaves a field out, so every field that is not needed is optional
 * and unknown fields are ignored.
 */

// ---------------------------------------------------------------- request

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  tools?: OpenAITool[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  response_format?:
    | { type: 'text' | 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; description?: string; schema: Record<string, unknown>; strict?: boolean } };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  n?: number;
  stop?: string[];
  seed?: number;
  user?: string;
  reasoning_effort?: string;
  stream?: true;
  stream_options?: { include_usage: true };
}

export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIUserContentPart[]; name?: string }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[]; refusal?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export type OpenAIUserContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

export interface OpenAIEmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
}

// --------------------------------------------------------------- response

export const openAIUsageSchema = z.object({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  /** `cache_write_tokens`: prompt tokens written to the cache (OpenAI's newer models, OpenRouter), part of `prompt_tokens`. */
  prompt_tokens_details: z.object({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
  /** DeepSeek's name for cached input tokens. */
  prompt_cache_hit_tokens: z.number().nullish(),
});

export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

/**
 * `content` is a string everywhere but at Mistral, which sends an array of
 * `text` and `thinking` parts for its reasoning models.
 */
const contentSchema = z.union([
  z.string(),
  z.array(
    z.object({
      type: z.string(),
      text: z.string().nullish(),
      thinking: z.array(z.object({ text: z.string().nullish() })).nullish(),
    }),
  ),
]);

export type OpenAIContent = z.infer<typeof contentSchema>;

/** A choice's `logprobs` (`{content, refusal}` of token entries), passed through as sent. */
const logprobsSchema = z.record(z.string(), z.unknown()).nullish().catch(null);

export const openAIChatResponseSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      logprobs: logprobsSchema,
      message: z.object({
        content: contentSchema.nullish(),
        /** DeepSeek, xAI, vLLM. */
        reasoning_content: z.string().nullish(),
        /** OpenRouter, Groq, Ollama. */
        reasoning: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z
          .array(
            z.object({
              id: z.string().nullish(),
              function: z.object({ name: z.string(), arguments: z.string().nullish() }),
            }),
          )
          .nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: openAIUsageSchema.nullish(),
});

export type OpenAIChatResponse = z.infer<typeof openAIChatResponseSchema>;

const openAIToolCallDeltaSchema = z.object({
  index: z.number().nullish(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export type OpenAIToolCallDelta = z.infer<typeof openAIToolCallDeltaSchema>;

export const openAIChatChunkSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().nullish(),
        logprobs: logprobsSchema,
        delta: z
          .object({
            content: contentSchema.nullish(),
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z.array(openAIToolCallDeltaSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: openAIUsageSchema.nullish(),
});

export type OpenAIChatChunk = z.infer<typeof openAIChatChunkSchema>;

export const openAIEmbeddingResponseSchema = z.object({
  data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })),
  model: z.string().nullish(),
  usage: z.object({ prompt_tokens: z.number().nullish() }).nullish(),
});

export type OpenAIEmbeddingResponse = z.infer<typeof openAIEmbeddingResponseSchema>;

/**
 * An error answer. OpenAI sends `{error: {message, type, param, code}}`;
 * OpenRouter puts a number in `code`; some servers send `{error: "text"}`, and
 * vLLM sends the fields at the top level (`{object: "error", message, ...}`).
 */
const errorFieldsSchema = z.object({
  message: z.string().nullish(),
  type: z.string().nullish(),
  param: z.string().nullish().catch(null),
  code: z.union([z.string(), z.number()]).nullish().catch(null),
});

export const openAIErrorBodySchema = z.union([
  z.object({ error: z.union([errorFieldsSchema, z.string()]) }),
  errorFieldsSchema.extend({ message: z.string() }),
]);

export type OpenAIErrorFields = z.infer<typeof errorFieldsSchema>;

/**
 * A transcription answered as JSON (`json`, `verbose_json`, `diarized_json`):
 * `usage` is `{type: "tokens", input_tokens, …}` for models billed by tokens,
 * `{type: "duration", seconds}` for those billed by the second.
 */
export const openAITranscriptionResponseSchema = z.object({
  text: z.string(),
  duration: z.number().nullish(),
  usage: z
    .object({
      type: z.string().nullish(),
      seconds: z.number().nullish(),
      input_tokens: z.number().nullish(),
      output_tokens: z.number().nullish(),
      input_token_details: z.object({ audio_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});
