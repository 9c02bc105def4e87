import { z } from 'zod';

/**
 * The wire format of Amazon Bedrock's Converse API:
 * `POST https://bedrock-runtime.{region}.amazonaws.com/model/{modelId}/converse` and
 * `…/converse-stream`, the latter answering with `application/vnd.amazon.eventstream`
 * frames, one JSON event each.
 *
 * - Request: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * - Stream events: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 * - Reasoning: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ReasoningContentBlockDelta.html
 * - Usage: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 * - Stop reasons: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
 *
 * Requests are typed; responses and stream events are validated with the
 * schemas below, which keep only what the gateway translates.
 */

// ---------------------------------------------------------------- request

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  /** Model-specific fields: Anthropic's `thinking` and `top_k` go here. */
  additionalModelRequestFields?: Record<string, unknown>;
  requestMetadata?: Record<string, string>;
}

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export type BedrockSystemBlock = { text: string } | BedrockCachePoint;

export interface BedrockCachePoint {
  cachePoint: { type: 'default' };
}

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export type BedrockContentBlock =
  | { text: string }
  | { image: { format: BedrockImageFormat; source: { bytes: string } } }
  | { document: { format: 'pdf'; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } }
  | { reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string } }
  | BedrockCachePoint;

export type BedrockTool = { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } } | BedrockCachePoint;

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

// ---------------------------------------------------------------- response

/** Token counts. `inputTokens` excludes the tokens read from or written to the prompt cache. */
export const bedrockUsageSchema = z.object({
  inputTokens: z.number().nullish(),
  outputTokens: z.number().nullish(),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});
export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

const responseBlockSchema = z.object({
  text: z.string().nullish(),
  toolUse: z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).nullish(),
  reasoningContent: z
    .object({
      reasoningText: z.object({ text: z.string().nullish(), signature: z.string().nullish() }).nullish(),
      redactedContent: z.string().nullish(),
    })
    .nullish(),
});
export type BedrockResponseBlock = z.infer<typeof responseBlockSchema>;

export const bedrockConverseResponseSchema = z.object({
  output: z.object({ message: z.object({ content: z.array(responseBlockSchema) }).nullish() }),
  stopReason: z.string().nullish(),
  usage: bedrockUsageSchema.nullish(),
});
export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/** The payload of each event type of a ConverseStream answer (the frame's `:event-type` header). */
export const bedrockStreamEventSchemas = {
  messageStart: z.object({ role: z.string() }),
  contentBlockStart: z.object({
    contentBlockIndex: z.number(),
    start: z.object({ toolUse: z.object({ toolUseId: z.string(), name: z.string() }).nullish() }).nullish(),
  }),
  contentBlockDelta: z.object({
    contentBlockIndex: z.number(),
    delta: z.object({
      text: z.string().nullish(),
      toolUse: z.object({ input: z.string() }).nullish(),
      reasoningContent: z.object({ text: z.string().nullish(), signature: z.string().nullish(), redactedContent: z.string().nullish() }).nullish(),
    }),
  }),
  contentBlockStop: z.object({ contentBlockIndex: z.number() }),
  messageStop: z.object({ stopReason: z.string() }),
  metadata: z.object({ usage: bedrockUsageSchema.nullish() }),
} as const;
export type BedrockStreamEventType = keyof typeof bedrockStreamEventSchemas;
export type BedrockStreamEvent = {
  [K in BedrockStreamEventType]: { type: K; payload: z.infer<(typeof bedrockStreamEventSchemas)[K]> };
}[BedrockStreamEventType];

/** The body of an error answer, and the payload of an exception frame in a stream. */
export const bedrockErrorBodySchema = z.object({ message: z.string().nullish(), Message: z.string().nullish() });

/** The first problem a schema found, for an error message: `output.message.content.0.text: Invalid input...`. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the Converse API';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
