export { BatchingEmbedder, type BatchingEmbedderOptions, type EmbedBatch } from './batching-embedder';
export { EmbeddingCache } from './embedding-cache';
export { LocalModelEmbedder, type LocalModelEmbedderOptions } from './local-model/local-model-embedder';
export type { ModelFiles } from './local-model/model-runner';
export { createOfflineEmbedder, offlineModelFiles, OFFLINE_DIMENSIONS, OFFLINE_MODEL_ID, type OfflineEmbedderOptions } from './offline/offline-embedder';
