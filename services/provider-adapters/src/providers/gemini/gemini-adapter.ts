import type { CallContext, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamPart } from '@switchyard/shared';
import { providerBadResponse } from '@switchyard/shared';
import { StaticHeaderCredential, type CredentialSource } from '../../credentials/credential-source';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory } from '../provider-adapter';
import { settleUnsupportedParameters } from '../unsupported-parameters';
import { describeSchemaError, geminiBatchEmbedResponseSchema, type GeminiBatchEmbedRequest } from './gemini-api';
import { geminiHttpError } from './gemini-error';
import { GeminiStreamTransformer } from './gemini-stream';
import { convertGeminiResponse } from './convert-gemini-response';
import { convertToGeminiRequest, unsupportedGeminiParameters } from './convert-to-gemini-request';

/** A keyless endpoint (a local emulator, or a proxy that adds the key itself). */
const NO_CREDENTIAL: CredentialSource = { authorize: (request) => Promise.resolve(request) };

export const DEFAULT_GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents';

/** Where a Gemini-format API lives and how it is authorized: the Gemini API itself, or Vertex AI. */
export interface GeminiEndpoint {
  providerId: string;
  /** The provider kind, the key of `providerOptions` read besides the provider id. */
  kind: 'gemini' | 'vertex';
  /** The URL of a method of a model, without the query. */
  url(model: string, method: GeminiMethod): string;
  credential: CredentialSource;
  headers: Record<string, string>;
  timeoutMs: number;
  dropUnsupportedParams: boolean;
}

/** An adapter for the Gemini API (`{baseUrl}/models/{model}:generateContent`, `x-goog-api-key`). */
export const createGeminiAdapter: ProviderAdapterFactory<'gemini'> = (options) => {
  const base = (options.config.baseUrl ?? DEFAULT_GEMINI_BASE_URL).replace(/\/+$/, '');
  return new GeminiAdapter(
    {
      providerId: options.id,
      kind: 'gemini',
      url: (model, method) => `${base}/models/${encodeURIComponent(model)}:${method}`,
      credential: options.apiKey === undefined ? NO_CREDENTIAL : new StaticHeaderCredential('x-goog-api-key', options.apiKey),
      headers: options.headers,
      timeoutMs: options.config.timeoutMs,
      dropUnsupportedParams: options.config.dropUnsupportedParams,
    },
    options.http,
  );
};

/**
 * Chat and embeddings over Google's `generateContent` family, for whichever
 * endpoint (Gemini API or Vertex AI) it is given. The credential is applied
 * to each request once its body is final.
 */
export class GeminiAdapter implements ProviderAdapter {
  constructor(
    private readonly endpoint: GeminiEndpoint,
    private readonly http: UpstreamClient,
  ) {}

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const { upstream, droppedParams } = await this.chatRequest(model, request, 'generateContent', context);
    const response = await this.send(upstream);
    const converted = convertGeminiResponse(this.endpoint.providerId, model, await this.http.readText(response, upstream));
    if (droppedParams.length > 0) converted.droppedParams = droppedParams;
    return converted;
  }

  async stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const { upstream, droppedParams } = await this.chatRequest(model, request, 'streamGenerateContent', context);
    const response = await this.send(upstream);
    return this.streamParts(model, response, upstream, droppedParams);
  }

  /** `batchEmbedContents`, which the Gemini API serves (Vertex AI does not). */
  async embed(model: string, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    const body: GeminiBatchEmbedRequest = {
      requests: request.input.map((text) => ({
        model: `models/${model}`,
        content: { parts: [{ text }] },
        ...(request.dimensions !== undefined && { outputDimensionality: request.dimensions }),
      })),
    };
    // `user` is an end-user id for abuse monitoring; Gemini has no such field and results do not depend on it.
    const upstream = await this.endpoint.credential.authorize(this.upstreamRequest(this.endpoint.url(model, 'batchEmbedContents'), body, context));
    const response = await this.send(upstream);
    const bodyText = await this.http.readText(response, upstream);
    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch {
      throw providerBadResponse(this.endpoint.providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
    }
    const parsed = geminiBatchEmbedResponseSchema.safeParse(json);
    if (!parsed.success) throw providerBadResponse(this.endpoint.providerId, describeSchemaError(parsed.error));
    if (parsed.data.embeddings.length !== request.input.length) {
      throw providerBadResponse(this.endpoint.providerId, `${parsed.data.embeddings.length} embeddings came back for ${request.input.length} inputs`);
    }
    return {
      model,
      data: parsed.data.embeddings.map((embedding, index) => ({ index, vector: embedding.values })),
      // batchEmbedContents reports no token counts.
      usage: { inputTokens: 0, outputTokens: 0 },
    };
  }

  private async chatRequest(
    model: string,
    request: ChatRequest,
    method: 'generateContent' | 'streamGenerateContent',
    context: CallContext,
  ): Promise<{ upstream: UpstreamRequest; droppedParams: string[] }> {
    const { providerId, kind } = this.endpoint;
    const droppedParams = settleUnsupportedParameters(providerId, request, unsupportedGeminiParameters(request), {
      dropAllowed: this.endpoint.dropUnsupportedParams,
    });
    const body = { ...convertToGeminiRequest(model, request), ...request.providerOptions?.[kind], ...request.providerOptions?.[providerId] };
    const url = this.endpoint.url(model, method) + (method === 'streamGenerateContent' ? '?alt=sse' : '');
    const upstream = await this.endpoint.credential.authorize(this.upstreamRequest(url, body, context));
    return { upstream, droppedParams };
  }

  private upstreamRequest(url: string, body: unknown, context: CallContext): UpstreamRequest {
    return {
      providerId: this.endpoint.providerId,
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...this.endpoint.headers },
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs: this.endpoint.timeoutMs,
    };
  }

  /** Sends the request; an error answer is read and thrown. */
  private send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.send(upstream, (status, headers, bodyText) => geminiHttpError(this.endpoint.providerId, status, bodyText, headers));
  }

  /** Parts as the chunks arrive; nothing is buffered beyond one SSE event. */
  private async *streamParts(
    model: string,
    response: UpstreamResponse,
    upstream: UpstreamRequest,
    droppedParams: string[],
  ): AsyncGenerator<StreamPart> {
    const transformer = new GeminiStreamTransformer(this.endpoint.providerId, model);
    const decoder = new ServerSentEventDecoder();
    let drained = false;
    const withDropped = (parts: readonly StreamPart[]): readonly StreamPart[] =>
      droppedParams.length === 0 ? parts : parts.map((part) => (part.type === 'response-start' ? { ...part, droppedParams } : part));
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
        for (const event of decoder.push(next.value)) yield* withDropped(transformer.push(event.data));
      }
      drained = true;
      for (const event of decoder.end()) yield* withDropped(transformer.push(event.data));
      yield* transformer.end();
    } finally {
      // A consumer that stops early, or a failed chunk, releases the connection.
      if (!drained) response.body.destroy();
    }
  }
}
