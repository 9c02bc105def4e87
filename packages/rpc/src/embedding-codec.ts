import { create } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { EmbeddingRequest, EmbeddingResponse } from '@switchyard/shared';
import { usageFromProto, usageToProto } from './chat-response-codec';
import { required, withoutUndefined } from './proto-values';

/**
 * Vectors travel as `repeated double`, so the numbers a provider sent reach
 * the client exactly as they do in embedded mode.
 */

export function embeddingRequestToProto(request: EmbeddingRequest): chatV1.EmbeddingRequest {
  return create(chatV1.EmbeddingRequestSchema, {
    model: request.model,
    input: request.input,
    dimensions: request.dimensions,
    user: request.user,
  });
}

export function embeddingRequestFromProto(message: chatV1.EmbeddingRequest): EmbeddingRequest {
  return withoutUndefined({ model: message.model, input: message.input, dimensions: message.dimensions, user: message.user });
}

export function embeddingResponseToProto(response: EmbeddingResponse): chatV1.EmbeddingResponse {
  return create(chatV1.EmbeddingResponseSchema, {
    model: response.model,
    data: response.data,
    usage: usageToProto(response.usage),
  });
}

export function embeddingResponseFromProto(message: chatV1.EmbeddingResponse): EmbeddingResponse {
  return {
    model: message.model,
    data: message.data.map((embedding) => ({ index: embedding.index, vector: embedding.vector })),
    usage: usageFromProto(required(message.usage, 'embedding_response.usage')),
  };
}
