import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  providerBadResponse,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type StreamPart,
} from '@switchyard/shared';
import { awsCredentialChain, AwsSigV4Credential } from '../../credentials/aws-sigv4-credential';
import { StaticHeaderCredential, type CredentialSource } from '../../credentials/credential-source';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { settleUnsupportedParameters } from '../unsupported-parameters';
import type { BedrockConverseRequest } from './bedrock-api';
import { bedrockHttpError } from './bedrock-error';
import { EventStreamDecoder } from './bedrock-event-stream-decoder';
import { BedrockStreamTransformer } from './bedrock-stream';
import { convertToTitanEmbeddingRequest, convertTitanEmbeddingResponse } from './convert-bedrock-embedding';
import { convertBedrockResponse } from './convert-bedrock-response';
import { convertToBedrockRequest } from './convert-to-bedrock-request';

/** Titan embeds one text per call: this many calls run at once for a batch. */
const EMBEDDING_CONCURRENCY = 8;

/** The regional Bedrock runtime endpoint. */
export function defaultBedrockBaseUrl(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/**
 * An adapter for Amazon Bedrock's Converse API
 * (`POST {baseUrl}/model/{modelId}/converse` and `…/converse-stream`), signed
 * with SigV4 from the standard credential chain, or sent with a Bedrock API
 * key (`apiKey`, else `AWS_BEARER_TOKEN_BEDROCK`) as a bearer token.
 * Embeddings use Amazon Titan Text Embeddings through `InvokeModel`.
 */
export const createBedrockAdapter: ProviderAdapterFactory<'bedrock'> = (options) => new BedrockAdapter(options);

class BedrockAdapter implements ProviderAdapter {
  private readonly providerId: string;
  private readonly http: UpstreamClient;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly dropUnsupportedParams: boolean;
  private readonly credential: CredentialSource;

  constructor(options: ProviderAdapterOptions<'bedrock'>) {
    const { config, env } = options;
    this.providerId = options.id;
    this.http = options.http;
    const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new ConfigError(`providers.${options.id}.region: set the AWS region here, or AWS_REGION`);
    this.baseUrl = (config.baseUrl ?? defaultBedrockBaseUrl(region)).replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', ...options.headers };
    this.timeoutMs = config.timeoutMs;
    this.dropUnsupportedParams = config.dropUnsupportedParams;
    const bearer = options.apiKey ?? env.AWS_BEARER_TOKEN_BEDROCK;
    this.credential = bearer
      ? new StaticHeaderCredential('authorization', `Bearer ${bearer}`)
      : new AwsSigV4Credential({
          region,
          service: 'bedrock',
          credentials: awsCredentialChain({ providerId: options.id, env, profile: config.profile }),
        });
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const { upstream, droppedParams } = await this.upstreamRequest(model, request, 'converse', context);
    const response = await this.send(upstream);
    const converted = convertBedrockResponse(this.providerId, model, responseId(response), await this.http.readText(response, upstream));
    if (droppedParams.length > 0) converted.droppedParams = droppedParams;
    return converted;
  }

  async stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const { upstream, droppedParams } = await this.upstreamRequest(model, request, 'converse-stream', context);
    const response = await this.send(upstream);
    const transformer = new BedrockStreamTransformer(this.providerId, { id: responseId(response), model, droppedParams });
    const parts = this.streamParts(response, upstream, transformer);
    // The first part is awaited here, so that an exception frame before any event (throttling, say) rejects
    // the call while it can still be retried or fall back, as an error answer would.
    const first = await parts.next();
    return (async function* () {
      try {
        if (!first.done) yield first.value;
        yield* parts;
      } finally {
        await parts.return(undefined);
      }
    })();
  }

  async embed(model: string, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    const bodies = request.input.map((input) => convertToTitanEmbeddingRequest(model, input, request.dimensions));
    const data = new Array<EmbeddingResponse['data'][number]>(bodies.length);
    let inputTokens = 0;
    for (let start = 0; start < bodies.length; start += EMBEDDING_CONCURRENCY) {
      const batch = bodies.slice(start, start + EMBEDDING_CONCURRENCY);
      await Promise.all(
        batch.map(async (body, offset) => {
          const upstream = await this.credential.authorize({
            providerId: this.providerId,
            method: 'POST',
            url: `${this.baseUrl}/model/${encodeURIComponent(model)}/invoke`,
            headers: { ...this.headers, accept: 'application/json' },
            body: JSON.stringify(body),
            signal: context.signal,
            timeoutMs: this.timeoutMs,
          });
          const response = await this.send(upstream);
          const embedding = convertTitanEmbeddingResponse(this.providerId, await this.http.readText(response, upstream));
          data[start + offset] = { index: start + offset, vector: embedding.vector };
          inputTokens += embedding.inputTokens;
        }),
      );
    }
    return { model, data, usage: { inputTokens, outputTokens: 0 } };
  }

  private async upstreamRequest(
    model: string,
    request: ChatRequest,
    operation: 'converse' | 'converse-stream',
    context: CallContext,
  ): Promise<{ upstream: UpstreamRequest; droppedParams: string[] }> {
    const { body, unsupported } = convertToBedrockRequest(model, request);
    const droppedParams = settleUnsupportedParameters(this.providerId, request, unsupported, { dropAllowed: this.dropUnsupportedParams });
    const finalBody = withProviderOptions(body, request.providerOptions?.bedrock, request.providerOptions?.[this.providerId]);
    const upstream = await this.credential.authorize({
      providerId: this.providerId,
      method: 'POST',
      // Model ids hold `:` and ARNs `/`: the path segment is percent-encoded, as the AWS SDKs do.
      url: `${this.baseUrl}/model/${encodeURIComponent(model)}/${operation}`,
      headers: { ...this.headers, accept: operation === 'converse' ? 'application/json' : 'application/vnd.amazon.eventstream' },
      body: JSON.stringify(finalBody),
      signal: context.signal,
      timeoutMs: this.timeoutMs,
    });
    return { upstream, droppedParams };
  }

  /** Sends the request; an error answer is read and thrown. */
  private send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.send(upstream, (status, headers, bodyText) => bedrockHttpError(this.providerId, status, bodyText, headers));
  }

  /** Parts as the frames arrive, in one async step per part; nothing is buffered beyond one frame. */
  private async *streamParts(
    response: UpstreamResponse,
    upstream: UpstreamRequest,
    transformer: BedrockStreamTransformer,
  ): AsyncGenerator<StreamPart> {
    const decoder = new EventStreamDecoder();
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
        for (const message of this.decode(() => decoder.push(next.value))) yield* transformer.push(message);
      }
      drained = true;
      this.decode(() => decoder.end());
      yield* transformer.end();
    } finally {
      // A consumer that stops early, or a failed event, releases the connection.
      if (!drained) response.body.destroy();
    }
  }

  /** A frame that fails its checksum or length is a bad response, not a crash. */
  private decode<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      throw providerBadResponse(this.providerId, error instanceof Error ? error.message : String(error));
    }
  }
}

/** Bedrock names no response id in the body; its request id (or a new one) stands in. */
function responseId(response: UpstreamResponse): string {
  const requestId = response.headers['x-amzn-requestid'];
  const id = Array.isArray(requestId) ? requestId[0] : requestId;
  return id ? `bedrock-${id}` : `bedrock-${randomUUID()}`;
}

/**
 * Provider options (by kind, then by provider id) merged into the body: top
 * level fields replace the converted ones, except `additionalModelRequestFields`,
 * `inferenceConfig` and `requestMetadata`, whose fields are merged.
 */
function withProviderOptions(
  body: BedrockConverseRequest,
  ...optionSets: (Record<string, unknown> | undefined)[]
): BedrockConverseRequest & Record<string, unknown> {
  let merged: BedrockConverseRequest & Record<string, unknown> = { ...body };
  for (const options of optionSets) {
    if (!options) continue;
    const next: Record<string, unknown> = { ...merged, ...options };
    for (const field of ['additionalModelRequestFields', 'inferenceConfig', 'requestMetadata'] as const) {
      const own = merged[field];
      const extra = options[field];
      if (isRecord(own) && isRecord(extra)) next[field] = { ...own, ...extra };
    }
    merged = next as BedrockConverseRequest & Record<string, unknown>;
  }
  return merged;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
