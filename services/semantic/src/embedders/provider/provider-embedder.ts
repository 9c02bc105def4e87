import type { EmbeddingRequest, EmbeddingResponse } from '@switchyard/shared';
import { BatchingEmbedder } from '../batching-embedder';

/**
 * Runs an embeddings request through the gateway's own routing and provider
 * adapters (the executor's `embed`), so the provider embedder gets retries,
 * fallbacks, keys and accounting like any client request. The gateway
 * supplies it (in distributed mode, a call to the gateway's executor).
 */
export type RunEmbeddingRequest = (request: EmbeddingRequest, signal?: AbortSignal) => Promise<EmbeddingResponse>;

export interface ProviderEmbedderOptions {
  /** The model or route alias, as a client names it in `/v1/embeddings`. */
  model: string;
  dimensions: number;
  /** Sends `dimensions` with each request (models that can shorten their vectors). */
  requestDimensions?: boolean;
  run: RunEmbeddingRequest;
  /** Texts per request (default 64). */
  maxBatch?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Vectors of recent texts kept (default 10 000). */
  cacheSize?: number;
}

/** An embedder backed by a provider's embeddings model (OpenAI, Cohere, Gemini, Bedrock, a local server…). */
export function createProviderEmbedder(options: ProviderEmbedderOptions): BatchingEmbedder {
  const { model, dimensions } = options;
  return new BatchingEmbedder({
    id: `provider:${model}${options.requestDimensions ? `@${dimensions}` : ''}`,
    dimensions,
    maxBatch: options.maxBatch ?? 64,
    concurrency: options.concurrency ?? 4,
    cacheSize: options.cacheSize ?? 10_000,
    run: async (texts) => {
      const response = await options.run({ model, input: texts, ...(options.requestDimensions && { dimensions }) });
      const vectors = Array.from<Float32Array | undefined>({ length: texts.length });
      for (const item of response.data) {
        if (!Number.isInteger(item.index) || item.index < 0 || item.index >= texts.length || !Array.isArray(item.vector)) {
          throw new Error(`the embeddings model ${model} answered with a malformed item (index ${item.index})`);
        }
        vectors[item.index] = Float32Array.from(item.vector);
      }
      const missing = vectors.findIndex((vector) => vector === undefined);
      if (missing >= 0) throw new Error(`the embeddings model ${model} returned no vector for input ${missing} of ${texts.length}`);
      return vectors as Float32Array[];
    },
  });
}
