import type { CallContext, ChatRequest, ChatResponse, StreamPart } from '@switchyard/shared';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { ANTHROPIC_VERSION } from './anthropic-api';
import { anthropicHttpError } from './anthropic-error';
import { AnthropicStreamTransformer } from './anthropic-stream';
import { convertAnthropicResponse } from './convert-anthropic-response';
import { convertToAnthropicRequest } from './convert-to-anthropic-request';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

/** An adapter for Anthropic's Messages API (`POST {baseUrl}/messages`). Anthropic has no embeddings API. */
export const createAnthropicAdapter: ProviderAdapterFactory<'anthropic'> = (options) => new AnthropicAdapter(options);

class AnthropicAdapter implements ProviderAdapter {
  private readonly providerId: string;
  private readonly http: UpstreamClient;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: ProviderAdapterOptions<'anthropic'>) {
    this.providerId = options.id;
    this.http = options.http;
    this.url = `${(options.config.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL).replace(/\/+$/, '')}/messages`;
    this.headers = {
      'content-type': 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      ...(options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey }),
      ...options.headers,
    };
    this.timeoutMs = options.config.timeoutMs;
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const upstream = this.upstreamRequest(model, request, false, context);
    const response = await this.send(upstream);
    return convertAnthropicResponse(this.providerId, await this.http.readText(response, upstream));
  }

  async stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const upstream = this.upstreamRequest(model, request, true, context);
    const response = await this.send(upstream);
    return this.streamParts(response, upstream);
  }

  private upstreamRequest(model: string, request: ChatRequest, stream: boolean, context: CallContext): UpstreamRequest {
    const body = convertToAnthropicRequest(model, request);
    if (stream) body.stream = true;
    return {
      providerId: this.providerId,
      method: 'POST',
      url: this.url,
      headers: this.headers,
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs: this.timeoutMs,
    };
  }

  /** Sends the request; an error answer is read and thrown. */
  private send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.send(upstream, (status, headers, bodyText) => anthropicHttpError(this.providerId, status, bodyText, headers));
  }

  /** Parts as the events arrive, in one async step per part; nothing is buffered beyond one SSE event. */
  private async *streamParts(response: UpstreamResponse, upstream: UpstreamRequest): AsyncGenerator<StreamPart> {
    const transformer = new AnthropicStreamTransformer(this.providerId);
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
        for (const event of decoder.push(next.value)) yield* transformer.push(event.data);
      }
      drained = true;
      for (const event of decoder.end()) yield* transformer.push(event.data);
      yield* transformer.end();
    } finally {
      // A consumer that stops early, or a failed event, releases the connection.
      if (!drained) response.body.destroy();
    }
  }
}
