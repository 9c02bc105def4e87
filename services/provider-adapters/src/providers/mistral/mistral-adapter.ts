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
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { convertMistralEmbeddingResponse, convertMistralResponse } from './convert-mistral-response';
import { convertToMistralRequest } from './convert-to-mistral-request';
import { describeSchemaError, mistralChatResponseSchema, mistralEmbeddingResponseSchema, type MistralEmbeddingRequest } from './mistral-api';
import { mistralHttpError } from './mistral-error';
import { MistralStreamTransformer } from './mistral-stream';

export const DEFAULT_MISTRAL_BASE_URL = 'https://api.mistral.ai/v1';

/**
 * An adapter for Mistral's API: `POST {baseUrl}/chat/completions` (SSE when
 * streamed) and `POST {baseUrl}/embeddings`, with `Authorization: Bearer <key>`.
 */
export const createMistralAdapter: ProviderAdapterFactory<'mistral'> = (options) => new MistralAdapter(options);

class MistralAdapter implements ProviderAdapter {
  private readonly providerId: string;
  private readonly http: UpstreamClient;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly dropAllowed: boolean;

  constructor(options: ProviderAdapterOptions<'mistral'>) {
    this.providerId = options.id;
    this.http = options.http;
    this.baseUrl = withVersionPath(options.config.baseUrl ?? DEFAULT_MISTRAL_BASE_URL);
    this.headers = {
      'content-type': 'application/json',
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
      ...options.headers,
    };
    this.timeoutMs = options.config.timeoutMs;
    this.dropAllowed = options.config.dropUnsupportedParams;
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const { body, droppedParams } = convertToMistralRequest(this.providerId, model, request, { dropAllowed: this.dropAllowed, stream: false });
    const upstream = this.upstreamRequest('chat/completions', body, context);
    const response = await this.send(upstream);
    const converted = convertMistralResponse(this.providerId, await this.readJson(upstream, response, mistralChatResponseSchema), model);
    if (droppedParams.length > 0) converted.droppedParams = droppedParams;
    return converted;
  }

  async stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const { body, droppedParams } = convertToMistralRequest(this.providerId, model, request, { dropAllowed: this.dropAllowed, stream: true });
    const upstream = this.upstreamRequest('chat/completions', body, context);
    const response = await this.send(upstream);
    return this.streamParts(response, upstream, model, droppedParams);
  }

  async embed(model: string, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    // `user` is Switchyard's (records, limits); the provider has no field for it, so it is not sent.
    const body: MistralEmbeddingRequest = { model, input: request.input };
    if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
    const upstream = this.upstreamRequest('embeddings', body, context);
    const response = await this.send(upstream);
    return convertMistralEmbeddingResponse(await this.readJson(upstream, response, mistralEmbeddingResponseSchema), model);
  }

  private upstreamRequest(path: string, body: unknown, context: CallContext): UpstreamRequest {
    return {
      providerId: this.providerId,
      method: 'POST',
      url: `${this.baseUrl}/${path}`,
      headers: this.headers,
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs: this.timeoutMs,
    };
  }

  /** Sends the request; an error answer is read and thrown. */
  private send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.send(upstream, (status, headers, bodyText) => mistralHttpError(this.providerId, status, headers, bodyText));
  }

  private async readJson<T>(upstream: UpstreamRequest, response: UpstreamResponse, schema: z.ZodType<T>): Promise<T> {
    const text = await this.http.readText(response, upstream);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw providerBadResponse(this.providerId, `the body is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw providerBadResponse(this.providerId, describeSchemaError(parsed.error));
    return parsed.data;
  }

  /** Parts as the events arrive, in one async step per part: decoder and state machine are synchronous. */
  private async *streamParts(
    response: UpstreamResponse,
    upstream: UpstreamRequest,
    model: string,
    droppedParams: string[],
  ): AsyncGenerator<StreamPart> {
    const transformer = new MistralStreamTransformer(this.providerId, model);
    const decoder = new ServerSentEventDecoder();
    let drained = false;
    try {
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          for (const event of decoder.push(chunk)) yield* withDropped(transformer.push(event.data), droppedParams);
        }
      } catch (error) {
        throw isGatewayError(error) ? error : this.http.translate(error, upstream);
      }
      drained = true;
      for (const event of decoder.end()) yield* withDropped(transformer.push(event.data), droppedParams);
      yield* transformer.end();
    } finally {
      if (!drained) response.body.destroy();
    }
  }
}

/** The `response-start` part names the dropped parameters, known before the first byte. */
function withDropped(parts: readonly StreamPart[], droppedParams: string[]): readonly StreamPart[] {
  if (droppedParams.length === 0) return parts;
  return parts.map((part) => (part.type === 'response-start' ? { ...part, droppedParams } : part));
}

/**
 * The API root with its version: Mistral's SDKs take the host alone
 * (`https://api.mistral.ai`) and add `/v1`; a base URL that already ends in a
 * version is used as it is.
 */
function withVersionPath(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}
