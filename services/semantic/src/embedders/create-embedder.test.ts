import { embedderConfigSchema } from '@switchyard/shared';
import { createEmbedder } from './create-embedder';

describe('createEmbedder from the embedder config', () => {
  it('builds the offline embedder by default, loading nothing until the first embed', async () => {
    const embedder = createEmbedder(embedderConfigSchema.parse(undefined));
    try {
      expect(embedder.id).toBe('sentence-transformers/all-MiniLM-L6-v2@onnx-int8');
      expect(embedder.dimensions).toBe(384);
    } finally {
      await embedder.close();
    }
  });

  it('builds a provider embedder around the injected runner, and refuses one without it', async () => {
    const seen: string[][] = [];
    const config = embedderConfigSchema.parse({ kind: 'provider', model: 'embed-small', dimensions: 2 });
    const embedder = createEmbedder(config, {
      runEmbedding: async (request) => {
        seen.push(request.input);
        return {
          model: request.model,
          data: request.input.map((_, index) => ({ index, vector: [3, 4] })),
          usage: { inputTokens: 1, outputTokens: 0 },
        };
      },
    });
    try {
      const [vector] = await embedder.embed(['hi']);
      expect(Array.from(vector)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
      expect(seen).toEqual([['hi']]);
    } finally {
      await embedder.close();
    }
    expect(() => createEmbedder(config)).toThrow(/provider needs the gateway/);
  });

  it('builds a download embedder named by repository, revision and precision, rejecting a bad id at once', async () => {
    const config = embedderConfigSchema.parse({ kind: 'download', model: 'BAAI/bge-small-en-v1.5', dimensions: 384, token: '${HF_TOKEN}' });
    if (config.kind !== 'download') throw new Error('expected a download config');
    const embedder = createEmbedder(config, { env: { HF_TOKEN: 'hf_x' } });
    try {
      expect(embedder.id).toBe('BAAI/bge-small-en-v1.5@main/int8');
    } finally {
      await embedder.close();
    }
    expect(() => createEmbedder({ ...config, model: 'a/..' })).toThrow(/repository id/);
  });
});
