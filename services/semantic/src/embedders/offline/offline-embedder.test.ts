import { similarity } from '@switchyard/shared';
import { createOfflineEmbedder } from './offline-embedder';
import type { LocalModelEmbedder } from '../local-model/local-model-embedder';

describe('createOfflineEmbedder (all-MiniLM-L6-v2 on ONNX Runtime, packaged model)', () => {
  let embedder: LocalModelEmbedder;

  beforeAll(async () => {
    embedder = createOfflineEmbedder({ threads: 1 });
    await embedder.warm();
  }, 120_000);

  afterAll(async () => {
    await embedder.close();
  });

  it('returns one unit vector of 384 numbers per text, in order', async () => {
    const vectors = await embedder.embed(['hello world', 'How do I reset my password?', '']);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors.slice(0, 2)) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(384);
      expect(similarity(vector, vector)).toBeCloseTo(1, 5);
    }
    expect(embedder.dimensions).toBe(384);
  });

  it('matches the reference model output in fp32 (sentence-transformers all-MiniLM-L6-v2, "hello world"), and int8 stays close', async () => {
    const float = createOfflineEmbedder({ precision: 'fp32' });
    try {
      const [reference] = await float.embed(['hello world']);
      // The first components of the reference vector, as sentence-transformers prints them.
      expect(Array.from(reference.slice(0, 4)).map((value) => Number(value.toFixed(4)))).toEqual([-0.0345, 0.0311, 0.0067, 0.0261]);
      expect(float.id).toBe('sentence-transformers/all-MiniLM-L6-v2@onnx-fp32');
      const [quantized] = await embedder.embed(['hello world']);
      expect(embedder.id).toBe('sentence-transformers/all-MiniLM-L6-v2@onnx-int8');
      expect(similarity(reference, quantized)).toBeGreaterThan(0.98);
    } finally {
      await float.close();
    }
  }, 120_000);

  it('places paraphrases close and unrelated sentences far apart', async () => {
    const [cat, catAgain, markets] = await embedder.embed([
      'The cat sits on the mat.',
      'A cat is sitting on a mat.',
      'Stock markets fell sharply today.',
    ]);
    expect(similarity(cat, catAgain)).toBeGreaterThan(0.85);
    expect(similarity(cat, markets)).toBeLessThan(0.3);
  });

  it('gives the same vector for a text whether alone, batched with longer texts, or cached', async () => {
    const text = 'Where is the nearest train station?';
    const [alone] = await embedder.embed([text]);
    const concurrent = await Promise.all([
      embedder.embed(['A much longer sentence that pads the batch with many more word pieces than the short one has.', text]),
      embedder.embed([`${text} `, 'short']),
    ]);
    for (let index = 0; index < alone.length; index++) {
      expect(concurrent[0][1][index]).toBeCloseTo(alone[index], 4);
      // A trailing space is not a token: same ids, same vector.
      expect(concurrent[1][0][index]).toBeCloseTo(alone[index], 4);
    }
  });

  it('runs on a worker thread: the event loop keeps turning during a large batch', async () => {
    const texts = Array.from({ length: 64 }, (_, index) => `Sentence number ${index} about the weather in a city somewhere.`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await embedder.embed(texts);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('rejects after close', async () => {
    const closing = createOfflineEmbedder();
    await closing.close();
    await expect(closing.embed(['x'])).rejects.toThrow(/closed/);
  });
});
