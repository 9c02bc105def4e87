import type { ChatRequest } from '../canonical';

/**
 * What a routing strategy may know of one request: enough to pick a capable
 * and cheap deployment, or to branch on a user tier, without the request
 * itself. Built once per request by the gateway.
 */
export interface RequestFeatures {
  /** The requested model or alias. */
  model: string;
  /** A rough count of input tokens (characters / 4), for context-length and cost decisions. */
  estimatedInputTokens: number;
  /** `max_tokens` when the client set it. */
  maxOutputTokens?: number;
  hasTools: boolean;
  hasImages: boolean;
  /** `response_format` is a JSON schema. */
  hasJsonSchema: boolean;
  stream: boolean;
  user?: string;
  /** The request's metadata (body `metadata` and the `x-switchyard-metadata` header). */
  metadata: Readonly<Record<string, string>>;
  /** Request headers, lower-case names; only what routing rules may read. */
  headers: Readonly<Record<string, string>>;
}

const CHARACTERS_PER_TOKEN = 4;

/** The features of a chat request; `headers` as the gateway chose to expose them. */
export function chatRequestFeatures(request: ChatRequest, headers: Readonly<Record<string, string>> = {}): RequestFeatures {
  let characters = 0;
  let hasImages = false;
  for (const message of request.messages) {
    if (message.role === 'user') {
      for (const part of message.content) {
        if (part.type === 'text') characters += part.text.length;
        else hasImages = true;
      }
    } else if (message.role === 'assistant') {
      for (const part of message.content) characters += part.text.length;
      for (const call of message.toolCalls ?? []) characters += call.arguments.length;
    } else {
      characters += message.content.length;
    }
  }
  for (const tool of request.tools ?? []) characters += JSON.stringify(tool.parameters).length + (tool.description?.length ?? 0);
  return {
    model: request.model,
    estimatedInputTokens: Math.ceil(characters / CHARACTERS_PER_TOKEN),
    maxOutputTokens: request.sampling.maxTokens,
    hasTools: (request.tools?.length ?? 0) > 0,
    hasImages,
    hasJsonSchema: request.responseFormat?.type === 'json_schema',
    stream: request.stream,
    user: request.user,
    metadata: request.metadata ?? {},
    headers,
  };
}

/** Features of a request that is not a chat (embeddings): only the model and headers matter. */
export function modelOnlyFeatures(model: string, headers: Readonly<Record<string, string>> = {}): RequestFeatures {
  return { model, estimatedInputTokens: 0, hasTools: false, hasImages: false, hasJsonSchema: false, stream: false, metadata: {}, headers };
}
