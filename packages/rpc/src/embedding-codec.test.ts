import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { EmbeddingRequest, EmbeddingResponse } from '@switchyard/shared';
import { embeddingRequestFromProto, embeddingRequestToProto, embeddingResponseFromProto, embeddingResponseToProto } from './embedding-codec';

describe('embedding codec', () => {
  it.each<EmbeddingRequest>([
    { model: 'text-embedding-3-small', input: ['a', 'b'] },
    { model: 'text-embedding-3-small', input: [''], dimensions: 256, user: 'u-1' },
    { model: 'm', input: ['x'], dimensions: 0, user: '' },
  ])('round-trips request %o', (request) => {
    const bytes = toBinary(chatV1.EmbeddingRequestSchema, embeddingRequestToProto(request));
    expect(embeddingRequestFromProto(fromBinary(chatV1.EmbeddingRequestSchema, bytes))).toStrictEqual(request);
  });

  it('round-trips a response exactly, whatever its values', () => {
    const response: EmbeddingResponse = {
      model: 'text-embedding-3-small',
      data: [
        { index: 0, vector: [0.5, -0.25, 0, 1.5, 0.1, -0.0023064255, 0.018912003] },
        { index: 1, vector: [] },
      ],
      usage: { inputTokens: 4, outputTokens: 0 },
    };
    const bytes = toBinary(chatV1.EmbeddingResponseSchema, embeddingResponseToProto(response));
    expect(embeddingResponseFromProto(fromBinary(chatV1.EmbeddingResponseSchema, bytes))).toStrictEqual(response);
  });

  it('rejects a response without usage', () => {
    expect(() => embeddingResponseFromProto(create(chatV1.EmbeddingResponseSchema, { model: 'm' }))).toThrow('usage is missing');
  });
});
