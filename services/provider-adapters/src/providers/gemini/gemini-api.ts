import { z } from 'zod';

/**
 * The wire format of Google's Gemini API (`models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:batchEmbedContents`), which Vertex AI
 * serves too under its own URLs. Requests are typed; responses and stream
 * chunks are validated with the schemas below, which keep only what this
 * gateway translates.
 *
 * - https://ai.google.dev/api/generate-content
 * - https://ai.google.dev/api/caching#Content (Content, Part, FunctionCall)
 * - https://ai.google.dev/gemini-api/docs/thinking and /docs/thought-signatures
 * - https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 * - https://ai.google.dev/gemini-api/docs/troubleshooting (error format)
 * - https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */

/**
 * Google's documented value for a function call whose signature is unknown
 * (a history not produced by Gemini, or a client that dropped it): Gemini 3
 * rejects a replayed function call without any signature.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

// ---------------------------------------------------------------- request

export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: GeminiGenerationConfig;
  [providerOption: string]: unknown;
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiRequestPart[];
}

export type GeminiRequestPart =
  | { text: string; thought?: true; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** Full JSON Schema, unlike `parameters` (an OpenAPI subset). */
  parametersJsonSchema: Record<string, unknown>;
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  candidateCount?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: 'application/json';
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
}

export interface GeminiBatchEmbedRequest {
  requests: { model: string; content: { parts: { text: string }[] }; outputDimensionality?: number }[];
}

// ---------------------------------------------------------------- response

export const geminiUsageSchema = z.object({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
});
export type GeminiUsage = z.infer<typeof geminiUsageSchema>;

/** One value of a streamed argument (`streamFunctionCallArguments`), at a JSON path such as `$.recipe.steps[0]`. */
export const geminiPartialArgSchema = z.object({
  jsonPath: z.string(),
  stringValue: z.string().nullish(),
  numberValue: z.number().nullish(),
  boolValue: z.boolean().nullish(),
  nullValue: z.unknown().optional(),
  willContinue: z.boolean().nullish(),
});
export type GeminiPartialArg = z.infer<typeof geminiPartialArgSchema>;

/**
 * A part of a candidate's content. Part kinds this gateway does not
 * translate (inline images, executable code, code results) keep only their
 * signature, so new kinds never break a response.
 */
export const geminiPartSchema = z.object({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: z
    .object({
      id: z.string().nullish(),
      name: z.string().nullish(),
      args: z.record(z.string(), z.unknown()).nullish(),
      partialArgs: z.array(geminiPartialArgSchema).nullish(),
      willContinue: z.boolean().nullish(),
    })
    .nullish(),
});
export type GeminiPart = z.infer<typeof geminiPartSchema>;

export const geminiCandidateSchema = z.object({
  index: z.number().nullish(),
  content: z.object({ parts: z.array(geminiPartSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  finishMessage: z.string().nullish(),
});
export type GeminiCandidate = z.infer<typeof geminiCandidateSchema>;

const errorDetailSchema = z.object({ code: z.number().nullish(), message: z.string().nullish(), status: z.string().nullish() });

/** A whole `generateContent` answer, and each chunk of a stream (which may also carry an `error`). */
export const geminiResponseSchema = z.object({
  candidates: z.array(geminiCandidateSchema).nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: geminiUsageSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
  error: errorDetailSchema.nullish(),
});
export type GeminiResponse = z.infer<typeof geminiResponseSchema>;

export const geminiBatchEmbedResponseSchema = z.object({
  embeddings: z.array(z.object({ values: z.array(z.number()) })),
});

/** The body of every error answer: Google's `{ error: { code, message, status, details } }`. */
export const geminiErrorBodySchema = z.object({
  error: errorDetailSchema.extend({
    details: z.array(z.object({ '@type': z.string().nullish(), retryDelay: z.string().nullish() }).loose()).nullish(),
  }),
});

/** The first problem a schema found, for an error message: `candidates.0.content: Invalid input...`. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the Gemini API';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
