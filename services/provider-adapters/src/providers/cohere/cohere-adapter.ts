import {
  providerBadResponse,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type StreamPart,
} from '@switchyard/shared';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { cohereEmbedResponseSchema, describeSchemaError, type CohereEmbedInputType, type CohereEmbedRequest } from './cohere-api';
import { cohereHttpError } from './cohere-error';
import { CohereStreamTransformer } from './cohere-stream';
import { convertCohereResponse } from './convert-cohere-response';
import { convertToCohereRequest } from './convert-to-cohere-request';

export const DEFAULT_COHERE_BASE_URL = 'https://api.cohere.com/v2';

/**
 * An adapter for Cohere's v2 API: `POST {baseUrl}/chat` (streamed as SSE
 * events) and `POST {baseUrl}/embed`, with `Authorization: Bearer <key>`.
 */
export const createCohereAdapter: ProviderAdapterFactory<'cohere'> = (options) => new CohereAdapter(options);

class CohereAdapter implements ProviderAdapter {
  private readonly providerId: string;
  private readonly http: UpstreamClient;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly dropAllowed: boolean;
  private readonly embedInputType: CohereEmbedInputType;

  constructor(options: ProviderAdapterOptions<'cohere'>) {
    this.providerId = options.id;
    this.http = options.http;
    this.baseUrl = withVersionPath(options.config.baseUrl ?? DEFAULT_COHERE_BASE_URL);
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
      ...options.headers,
    };
    this.timeoutMs = options.config.timeoutMs;
    this.dropAllowed = options.config.dropUnsupportedParams;
    this.embedInputType = options.config.embedInputType;
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const { body, droppedParams } = convertToCohereRequest(this.providerId, model, request, { dropAllowed: this.dropAllowed, stream: false });
    const upstream = this.upstreamRequest('chat', body, context);
    const response = await this.send(upstream);
    const converted = convertCohereResponse(this.providerId, model, await this.http.readText(response, upstream));
    if (droppedParams.length > 0) converted.droppedParams = droppedParams;
    return converted;
  }

  async stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const { body, droppedParams } = convertToCohereRequest(this.providerId, model, request, { dropAllowed: this.dropAllowed, stream: true });
    const upstream = this.upstreamRequest('chat', body, context);
    upstream.headers = { ...upstream.headers, accept: 'text/event-stream' };
    const response = await this.send(upstream);
    return this.streamParts(response, upstream, model, droppedParams);
  }

  async embed(model: string, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    // `user` is Switchyard's (records, limits); the provider has no field for it, so it is not sent.
    const body: CohereEmbedRequest = { model, texts: request.input, input_type: this.embedInputType, embedding_types: ['float'] };
    if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
    const upstream = this.upstreamRequest('embed', body, context);
    const response = await this.send(upstream);
    const text = await this.http.readText(response, upstream);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw providerBadResponse(this.providerId, `the body is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = cohereEmbedResponseSchema.safeParse(json);
    if (!parsed.success) throw providerBadResponse(this.providerId, describeSchemaError(parsed.error));
    return {
      model,
      data: parsed.data.embeddings.float.map((vector, index) => ({ index, vector })),
      usage: { inputTokens: parsed.data.meta?.billed_units?.input_tokens ?? 0, outputTokens: 0 },
    };
  }

  private upstreamRequest(endpoint: 'chat' | 'embed', body: unknown, context: CallContext): UpstreamRequest {
    return {
      providerId: this.providerId,
      method: 'POST',
      url: `${this.baseUrl}/${endpoint}`,
      headers: this.headers,
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs: this.timeoutMs,
    };
  }

  /** Sends the request; an error answer is read and thrown. */
  private send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.send(upstream, (status, headers, bodyText) => cohereHttpError(this.providerId, status, headers, bodyText));
  }

  /** Parts as the events arrive, in one async step per part; nothing is buffered beyond one SSE event. */
  private async *streamParts(
    response: UpstreamResponse,
    upstream: UpstreamRequest,
    model: string,
    droppedParams: string[],
  ): AsyncGenerator<StreamPart> {
    const transformer = new CohereStreamTransformer(this.providerId, model);
    const decoder = new ServerSentEventDecoder();
    let drained = false;
    try {
      const body = response.body[Symbol.asyncIterator]();
      while (true) {
        let next: IteratorResult<Buffer>;
        try {
          next = await body.next();
        } catch (error) {
          throw this.http.translate(error, upstream);
        }
        if (next.done) break;
        for (const event of decoder.push(next.value)) yield* this.withDropped(transformer.push(event.data), droppedParams);
      }
      drained = true;
      for (const event of decoder.end()) yield* this.withDropped(transformer.push(event.data), droppedParams);
      yield* transformer.end();
    } finally {
      // A consumer that stops early, or a failed event, releases the connection.
      if (!drained) response.body.destroy();
    }
  }

  /** The `response-start` part names the dropped parameters, known before the first byte. */
  private withDropped(parts: readonly StreamPart[], droppedParams: string[]): readonly StreamPart[] {
    if (droppedParams.length === 0) return parts;
    return parts.map((part) => (part.type === 'response-start' ? { ...part, droppedParams } : part));
  }
}

/**
 * The API root with its version: Cohere's SDKs take the host alone
 * (`https://api.cohere.com`, as in COHERE_BASE_URL) and add `/v2`; a base URL
 * that already ends in a version is used as it is.
 */
function withVersionPath(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v2`;
}
