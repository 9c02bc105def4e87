import type { CallContext, ChatRequest, ChatResponse, StreamPart } from '@switchyard/shared';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { settleUnsupportedParameters } from '../unsupported-parameters';
import { ANTHROPIC_VERSION } from './anthropic-api';
import { anthropicHttpError } from './anthropic-error';
import { AnthropicStreamTransformer } from './anthropic-stream';
import { convertAnthropicResponse } from './convert-anthropic-response';
import { convertToAnthropicRequest, unsupportedAnthropicParameters } from './convert-to-anthropic-request';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

/** An adapter for Anthropic's Messages API (`POST {baseUrl}/messages`). Anthropic has no embeddings API. */
export const createAnthropicAdapter: ProviderAdapterFactory<'anthropic'> = (options) => new AnthropicAdapter(options);

class AnthropicAdapter implements ProviderAdapter {
  private readonly providerId: string;
  private readonly http: UpstreamClient;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly dropUnsupportedParams: boolean;

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
    this.dropUnsupportedParams = options.config.dropUnsupportedParams;
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const { upstream, dropped } = this.upstreamRequest(model, request, false, context);
    const response = await this.send(upstream);
    const converted = convertAnthropicResponse(this.providerId, await this.http.readText(response, upstream));
    if (dropped.length > 0) converted.droppedParams = dropped;
    return converted;
  }

  async stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const { upstream, dropped } = this.upstreamRequest(model, request, true, context);
    const response = await this.send(upstream);
    return this.streamParts(response, upstream, dropped);
  }

  /**
   * The Messages API request, and the parameters dropped on the way: those
   * Anthropic cannot honour are settled first (a 400, or dropped when
   * allowed); `providerOptions.anthropic` and then `providerOptions[<this
   * provider's id>]` are merged over the converted body, field by field.
   */
  private upstreamRequest(
    model: string,
    request: ChatRequest,
    stream: boolean,
    context: CallContext,
  ): { upstream: UpstreamRequest; dropped: string[] } {
    const dropped = settleUnsupportedParameters(this.providerId, request, unsupportedAnthropicParameters(request), {
      dropAllowed: this.dropUnsupportedParams,
    });
    const body: Record<string, unknown> = {
      ...convertToAnthropicRequest(model, request),
      ...request.providerOptions?.anthropic,
      ...(this.providerId === 'anthropic' ? {} : request.providerOptions?.[this.providerId]),
    };
    if (stream) body.stream = true;
    const upstream: UpstreamRequest = {
      providerId: this.providerId,
      method: 'POST',
      url: this.url,
      headers: this.headers,
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs: this.timeoutMs,
    };
    return { upstream, dropped };
  }

  /** Sends the request; an error answer is read and thrown. */
  private send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.send(upstream, (status, headers, bodyText) => anthropicHttpError(this.providerId, status, bodyText, headers));
  }

  /** Parts as the events arrive, in one async step per part; nothing is buffered beyond one SSE event. */
  private async *streamParts(response: UpstreamResponse, upstream: UpstreamRequest, dropped: string[]): AsyncGenerator<StreamPart> {
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
        for (const event of decoder.push(next.value)) yield* withDropped(transformer.push(event.data), dropped);
      }
      drained = true;
      for (const event of decoder.end()) yield* withDropped(transformer.push(event.data), dropped);
      yield* transformer.end();
    } finally {
      // A consumer that stops early, or a failed event, releases the connection.
      if (!drained) response.body.destroy();
    }
  }
}

/** The parts, with the dropped parameters on the `response-start` part (known before the first byte, for a header). */
function withDropped(parts: readonly StreamPart[], dropped: string[]): readonly StreamPart[] {
  if (dropped.length === 0 || !parts.some((part) => part.type === 'response-start')) return parts;
  return parts.map((part) => (part.type === 'response-start' ? { ...part, droppedParams: dropped } : part));
}
