import {
  isGatewayError,
  providerBadResponse,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type StreamPart,
} from '@switchyard/shared';
import type { z } from 'zod';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory } from '../provider-adapter';
import { convertToOpenAIEmbeddingRequest, convertToOpenAIRequest } from './convert-to-openai-request';
import { openAIChatResponseSchema, openAIEmbeddingResponseSchema } from './openai-api';
import { convertOpenAIEmbeddingResponse, convertOpenAIResponse } from './convert-openai-response';
import { openAIHttpError, openAIInBandError, readOpenAIError } from './openai-error';
import { OpenAIStreamState } from './openai-stream';
import { listOpenAIModels } from './list-openai-models';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Chat Completions and Embeddings, for OpenAI and every server that speaks
 * its API (Ollama, vLLM, LM Studio, OpenRouter, DeepSeek, Groq, ...).
 * `Authorization` is sent only when an API key is configured, so keyless
 * local servers work.
 */
export const createOpenAIAdapter: ProviderAdapterFactory<'openai'> = (options) => {
  const { id: providerId, http } = options;
  const baseUrl = (options.config.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const chatUrl = `${baseUrl}/chat/completions`;
  const embeddingsUrl = `${baseUrl}/embeddings`;
  const timeoutMs = options.config.timeoutMs;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
  };

  /** Sends the request; a non-2xx answer is read and thrown. */
  async function send(url: string, body: unknown, context: CallContext): Promise<[UpstreamRequest, UpstreamResponse]> {
    const request: UpstreamRequest = {
      providerId,
      method: 'POST',
      url,
      headers,
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs,
    };
    const response = await http.send(request, (status, responseHeaders, text) => openAIHttpError(providerId, status, responseHeaders, text));
    return [request, response];
  }

  /** Reads a whole 2xx JSON body and checks it against `schema`. */
  async function readJson<T>(request: UpstreamRequest, response: UpstreamResponse, schema: z.ZodType<T>): Promise<T> {
    const text = await http.readText(response, request);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw providerBadResponse(providerId, `body is not JSON: ${text.slice(0, 200)}`);
    }
    if ((json as { error?: unknown } | null)?.error != null) {
      const fields = readOpenAIError(json);
      if (fields) throw openAIInBandError(providerId, fields);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw providerBadResponse(providerId, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    return parsed.data;
  }

  /** Parts as the events arrive, in one async step per part: decoder and state machine are synchronous. */
  async function* streamParts(request: UpstreamRequest, response: UpstreamResponse, model: string): AsyncGenerator<StreamPart> {
    const decoder = new ServerSentEventDecoder();
    const state = new OpenAIStreamState({ providerId, model });
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        for (const event of decoder.push(chunk)) yield* state.push(event);
      }
      for (const event of decoder.end()) yield* state.push(event);
      yield* state.finish();
    } catch (error) {
      throw isGatewayError(error) ? error : http.translate(error, request);
    }
  }

  const adapter: ProviderAdapter = {
    async complete(model: string, chatRequest: ChatRequest, context: CallContext): Promise<ChatResponse> {
      const body = convertToOpenAIRequest(model, chatRequest, false);
      const [request, response] = await send(chatUrl, body, context);
      return convertOpenAIResponse(await readJson(request, response, openAIChatResponseSchema), model);
    },

    async stream(model: string, chatRequest: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
      const body = convertToOpenAIRequest(model, chatRequest, true);
      const [request, response] = await send(chatUrl, body, context);
      return streamParts(request, response, model);
    },

    async embed(model: string, embeddingRequest: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
      const body = convertToOpenAIEmbeddingRequest(model, embeddingRequest);
      const [request, response] = await send(embeddingsUrl, body, context);
      return convertOpenAIEmbeddingResponse(await readJson(request, response, openAIEmbeddingResponseSchema), model);
    },

    listModels(context: CallContext): Promise<string[]> {
      return listOpenAIModels({ providerId, baseUrl, headers, http, timeoutMs }, context);
    },
  };
  return adapter;
};
