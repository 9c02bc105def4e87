import { providerBadResponse, type CallContext } from '@switchyard/shared';
import { z } from 'zod';
import type { UpstreamClient } from '../../http/upstream-client';
import { openAIHttpError } from './openai-error';

/**
 * `GET {baseUrl}/models`: `{"object": "list", "data": [{"id": "gpt-4o", "object": "model", ...}]}`
 * (https://platform.openai.com/docs/api-reference/models/list). Ollama, vLLM, LM Studio, llama.cpp's
 * server and the hosted OpenAI-compatible APIs answer the same shape; only `data[].id` is read.
 */
const openAIModelListSchema = z.object({
  data: z.array(z.object({ id: z.string().min(1) })),
});

export interface ListOpenAIModelsOptions {
  providerId: string;
  baseUrl: string;
  /** The provider's own headers (its credential included). */
  headers: Record<string, string>;
  http: UpstreamClient;
  timeoutMs: number;
}

/** The model ids the server lists, in its order, each once. */
export async function listOpenAIModels(options: ListOpenAIModelsOptions, context: CallContext): Promise<string[]> {
  const { providerId, http } = options;
  const { 'content-type': _contentType, ...headers } = options.headers;
  const request = {
    providerId,
    method: 'GET' as const,
    url: `${options.baseUrl}/models`,
    headers: { ...headers, accept: 'application/json' },
    signal: context.signal,
    timeoutMs: options.timeoutMs,
  };
  const response = await http.send(request, (status, responseHeaders, text) => openAIHttpError(providerId, status, responseHeaders, text));
  const text = await http.readText(response, request);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw providerBadResponse(providerId, `the model list is not JSON: ${text.slice(0, 200)}`);
  }
  const parsed = openAIModelListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw providerBadResponse(providerId, `the model list does not match OpenAI's (${issue.path.join('.') || 'body'}: ${issue.message})`);
  }
  return [...new Set(parsed.data.data.map((model) => model.id))];
}
