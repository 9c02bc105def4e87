import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { offlineModelFiles } from '../offline/offline-embedder';
import { LocalModelEmbedder } from './local-model-embedder';
import type { ModelFiles } from './model-runner';

let folder: string;

beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-local-model-'));
});

afterEach(() => {
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('LocalModelEmbedder (worker thread)', () => {
  it('fails with a clear error when the weights are not a model, and loads once they are', async () => {
    const real = offlineModelFiles();
    const broken: ModelFiles = { ...real, weightsPath: path.join(folder, 'model.safetensors') };
    fs.writeFileSync(broken.weightsPath, 'not a safetensors file');
    let files = broken;
    const embedder = new LocalModelEmbedder({ id: 'test-model', dimensions: 384, files: async () => files });
    try {
      await expect(embedder.embed(['hello'])).rejects.toThrow(/embedding model test-model failed to load: .*not a safetensors file/);
      files = real;
      const [vector] = await embedder.embed(['hello']);
      expect(vector).toHaveLength(384);
    } finally {
      await embedder.close();
    }
  }, 120_000);

  it('refuses a model whose vectors are not the configured length', async () => {
    const embedder = new LocalModelEmbedder({ id: 'test-model', dimensions: 768, files: async () => offlineModelFiles() });
    try {
      await expect(embedder.warm()).rejects.toThrow(/gives 384 dimensions, not the 768 configured/);
    } finally {
      await embedder.close();
    }
  }, 120_000);

  it('gives each text the same vector whichever of its two threads ran it', async () => {
    const embedder = new LocalModelEmbedder({
      id: 'test-model',
      dimensions: 384,
      threads: 2,
      maxBatch: 1,
      cacheSize: 0,
      files: async () => offlineModelFiles(),
    });
    try {
      await embedder.warm();
      const texts = ['first question', 'second question', 'first question', 'second question'];
      const vectors = await Promise.all(texts.map((text) => embedder.embed([text])));
      expect(Array.from(vectors[2][0])).toEqual(Array.from(vectors[0][0]));
      expect(Array.from(vectors[3][0])).toEqual(Array.from(vectors[1][0]));
    } finally {
      await embedder.close();
    }
  }, 120_000);
});
