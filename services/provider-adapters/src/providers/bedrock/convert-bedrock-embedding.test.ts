import { GatewayError, ProviderError } from '@switchyard/shared';
import { convertTitanEmbeddingResponse, convertToTitanEmbeddingRequest, isTitanTextEmbeddingModel } from './convert-bedrock-embedding';

describe('Titan text embeddings', () => {
  it('asks V2 for the dimensions, and refuses them for G1 whose size is fixed', () => {
    expect(convertToTitanEmbeddingRequest('amazon.titan-embed-text-v2:0', 'Hello', 512)).toEqual({ inputText: 'Hello', dimensions: 512 });
    expect(convertToTitanEmbeddingRequest('amazon.titan-embed-text-v1', 'Hello', undefined)).toEqual({ inputText: 'Hello' });
    expect(() => convertToTitanEmbeddingRequest('amazon.titan-embed-text-v1', 'Hello', 256)).toThrow(GatewayError);
  });

  it('refuses models other than Titan text embeddings, naming the model', () => {
    expect(isTitanTextEmbeddingModel('amazon.titan-embed-g1-text-02')).toBe(true);
    expect(() => convertToTitanEmbeddingRequest('cohere.embed-english-v3', 'Hello', undefined)).toThrow(/not cohere\.embed-english-v3/);
  });

  it('reads the vector and the token count, and rejects an answer without a vector', () => {
    expect(
      convertTitanEmbeddingResponse('bedrock', '{"embedding":[0.1,-0.2],"inputTextTokenCount":3,"embeddingsByType":{"float":[0.1,-0.2]}}'),
    ).toEqual({
      vector: [0.1, -0.2],
      inputTokens: 3,
    });
    expect(() => convertTitanEmbeddingResponse('bedrock', '{"message":"x"}')).toThrow(ProviderError);
  });
});
