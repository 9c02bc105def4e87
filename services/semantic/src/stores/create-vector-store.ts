import path from 'node:path';
import type { SwitchyardConfig, VectorStore } from '@switchyard/shared';
import { HnswVectorStore } from './hnsw/hnsw-vector-store';
import { WeaviateVectorStore } from './weaviate/weaviate-vector-store';

const MEMORY = 'memory://';

/** The folder of the embedded store, or undefined for one in memory (see `vectorStore.path`). */
export function embeddedStoreDirectory(config: Pick<SwitchyardConfig, 'vectorStore' | 'observability'>): string | undefined {
  const configured = config.vectorStore.path;
  if (configured !== undefined) return configured === MEMORY ? undefined : configured;
  const dataDirectory = config.observability.dataDirectory;
  return dataDirectory === MEMORY ? undefined : path.join(dataDirectory, 'vectors');
}

/**
 * The vector store the config names. Weaviate's client is loaded only when
 * the store first connects (weaviate-client-api.ts), so a gateway with the
 * embedded store never pays for it.
 */
export function createVectorStore(
  config: Pick<SwitchyardConfig, 'vectorStore' | 'observability'>,
  env: NodeJS.ProcessEnv = process.env,
): VectorStore {
  const settings = config.vectorStore;
  if (settings.kind === 'weaviate') {
    return WeaviateVectorStore.fromConfig(settings, env);
  }
  return new HnswVectorStore({
    directory: embeddedStoreDirectory(config),
    m: settings.hnsw.m,
    efConstruction: settings.hnsw.efConstruction,
    efSearch: settings.hnsw.efSearch,
    exactSearchBelow: settings.hnsw.exactSearchBelow,
  });
}
