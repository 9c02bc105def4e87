import { z } from 'zod';
import { providerBadResponse, type CallContext, type EmbeddingRequest, type EmbeddingResponse } from '@switchyard/shared';
import type { CredentialSource } from '../../credentials/credential-source';
import type { UpstreamClient, UpstreamRequest } from '../../http/upstream-client';
import { describeSchemaError } from '../gemini/gemini-api';
import { geminiHttpError } from '../gemini/gemini-error';

/**
 * Vertex AI text embeddings: `POST {model URL}:predict` with one instance a
 * text (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api).
 * Each prediction counts its tokens, which make the usage.
 */
export const vertexPredictResponseSchema = z.object({
  predictions: z.array(
    z.object({
      embeddings: z.object({ values: z.array(z.number()), statistics: z.object({ token_count: z.number().nullish() }).nullish() }),
    }),
  ),
});

export interface VertexEmbeddingsOptions {
  providerId: string;
  /** `{prefix}/{model}:predict` */
  url(model: string): string;
  credential: CredentialSource;
  headers: Record<string, string>;
  timeoutMs: number;
  http: UpstreamClient;
}

/** Gemini embedding models take one text per request; the others up to 250 (sent as one request). */
function instancesPerRequest(model: string): number {
  return model.startsWith('gemini-embedding') ? 1 : 250;
}

export async function embedWithVertex(
  options: VertexEmbeddingsOptions,
  model: string,
  request: EmbeddingRequest,
  context: CallContext,
): Promise<EmbeddingResponse> {
  const size = instancesPerRequest(model);
  const batches: string[][] = [];
  for (let start = 0; start < request.input.length; start += size) batches.push(request.input.slice(start, start + size));
  // `user` is an end-user id for abuse monitoring; Vertex has no such field and results do not depend on it.
  const answers = await Promise.all(batches.map((batch) => predict(options, model, batch, request.dimensions, context)));
  const data: EmbeddingResponse['data'] = [];
  let inputTokens = 0;
  for (const prediction of answers.flat()) {
    data.push({ index: data.length, vector: prediction.embeddings.values });
    inputTokens += prediction.embeddings.statistics?.token_count ?? 0;
  }
  return { model, data, usage: { inputTokens, outputTokens: 0 } };
}

async function predict(options: VertexEmbeddingsOptions, model: string, texts: string[], dimensions: number | undefined, context: CallContext) {
  const body = {
    instances: texts.map((content) => ({ content })),
    ...(dimensions !== undefined && { parameters: { outputDimensionality: dimensions } }),
  };
  const upstream: UpstreamRequest = await options.credential.authorize({
    providerId: options.providerId,
    method: 'POST',
    url: options.url(model),
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    signal: context.signal,
    timeoutMs: options.timeoutMs,
  });
  const response = await options.http.send(upstream, (status, headers, bodyText) => geminiHttpError(options.providerId, status, bodyText, headers));
  const bodyText = await options.http.readText(response, upstream);
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    throw providerBadResponse(options.providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
  }
  const parsed = vertexPredictResponseSchema.safeParse(json);
  if (!parsed.success) throw providerBadResponse(options.providerId, describeSchemaError(parsed.error));
  if (parsed.data.predictions.length !== texts.length) {
    throw providerBadResponse(options.providerId, `${parsed.data.predictions.length} embeddings came back for ${texts.length} inputs`);
  }
  return parsed.data.predictions;
}
