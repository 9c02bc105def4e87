import { LocalModelEmbedder, type LocalModelEmbedderOptions } from '../local-model/local-model-embedder';
import type { ModelFiles } from '../local-model/model-runner';
import { downloadModel, modelFolder, type HubModel } from './hub-download';

export interface DownloadEmbedderOptions
  extends HubModel, Pick<LocalModelEmbedderOptions, 'threads' | 'maxBatch' | 'maxTokens' | 'cacheSize' | 'precision'> {
  dimensions: number;
  /** For tests and proxies; the global `fetch` otherwise. */
  fetch?: typeof fetch;
}

/**
 * A BERT sentence-embedding model (MiniLM, BGE, E5, GTE: safetensors +
 * tokenizer.json) from a Hugging Face-style hub, downloaded on first use to
 * the cache folder and then run here like the offline model. Its
 * similarity scores differ from the offline model's: measure a threshold.
 */
export function createDownloadEmbedder(options: DownloadEmbedderOptions): LocalModelEmbedder {
  modelFolder(options); // rejects a malformed id or revision now, not at the first request
  let files: Promise<ModelFiles> | undefined;
  return new LocalModelEmbedder({
    id: `${options.model}@${options.revision}/${options.precision ?? 'int8'}`,
    precision: options.precision,
    dimensions: options.dimensions,
    threads: options.threads,
    maxBatch: options.maxBatch,
    maxTokens: options.maxTokens,
    cacheSize: options.cacheSize,
    // Asked once per worker thread: one download for all of them, tried again after a failure.
    files: () =>
      (files ??= downloadModel(options, options.fetch).catch((error: unknown) => {
        files = undefined;
        throw error;
      })),
  });
}
