import { resolveSecret, type EmbedderConfig } from '@switchyard/shared';
import type { Embedder } from '@switchyard/shared';
import { createDownloadEmbedder } from './download/download-embedder';
import { createOfflineEmbedder } from './offline/offline-embedder';
import { createProviderEmbedder, type RunEmbeddingRequest } from './provider/provider-embedder';

export interface EmbedderDependencies {
  /** Runs embeddings requests through the gateway (needed by `kind: provider`). */
  runEmbedding?: RunEmbeddingRequest;
  env?: Record<string, string | undefined>;
}

/** The embedder the config's `embedder` section describes. Nothing loads or downloads until the first `embed`. */
export function createEmbedder(config: EmbedderConfig, dependencies: EmbedderDependencies = {}): Embedder {
  switch (config.kind) {
    case 'offline':
      return createOfflineEmbedder(config);
    case 'provider':
      if (!dependencies.runEmbedding) throw new Error('embedder.kind provider needs the gateway: it runs in the gateway process only');
      return createProviderEmbedder({ ...config, run: dependencies.runEmbedding });
    case 'download':
      return createDownloadEmbedder({ ...config, token: config.token === undefined ? undefined : resolveSecret(config.token, dependencies.env) });
  }
}
