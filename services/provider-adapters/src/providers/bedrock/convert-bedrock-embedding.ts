import { invalidRequest, providerBadResponse } from '@switchyard/shared';
import { z } from 'zod';

/**
 * Embeddings on Bedrock with Amazon Titan Text Embeddings, one text per
 * `InvokeModel` call (`POST /model/{modelId}/invoke`):
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * V2 takes `dimensions` (256, 512 or 1024) and `normalize`; G1 takes the text alone.
 */
export interface TitanEmbeddingRequest {
  inputText: string;
  dimensions?: number;
  normalize?: boolean;
}

const titanEmbeddingResponseSchema = z.object({ embedding: z.array(z.number()), inputTextTokenCount: z.number().nullish() });

export function isTitanTextEmbeddingModel(model: string): boolean {
  return /(^|[.:/])amazon\.titan-embed-(text|g1-text)-/.test(model);
}

/** The InvokeModel body for one text. */
export function convertToTitanEmbeddingRequest(model: string, input: string, dimensions: number | undefined): TitanEmbeddingRequest {
  if (!isTitanTextEmbeddingModel(model)) {
    throw invalidRequest(
      `Bedrock embeddings are offered for Amazon Titan Text Embeddings models (amazon.titan-embed-text-…), not ${model}.`,
      'model',
    );
  }
  const body: TitanEmbeddingRequest = { inputText: input };
  if (dimensions !== undefined) {
    if (!/titan-embed-text-v2/.test(model)) throw invalidRequest(`${model} has a fixed number of dimensions: remove dimensions.`, 'dimensions');
    body.dimensions = dimensions;
  }
  return body;
}

/** One InvokeModel answer: the vector and the number of input tokens. */
export function convertTitanEmbeddingResponse(providerId: string, bodyText: string): { vector: number[]; inputTokens: number } {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    throw providerBadResponse(providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
  }
  const parsed = titanEmbeddingResponseSchema.safeParse(json);
  if (!parsed.success) throw providerBadResponse(providerId, 'an embedding answer has no embedding array');
  return { vector: parsed.data.embedding, inputTokens: parsed.data.inputTextTokenCount ?? 0 };
}
