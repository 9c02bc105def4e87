export { BatchingEmbedder, type BatchingEmbedderOptions, type EmbedBatch } from './batching-embedder';
export { EmbeddingCache } from './embedding-cache';
export { LocalModelEmbedder, type LocalModelEmbedderOptions } from './local-model/local-model-embedder';
export type { ModelFiles } from './local-model/model-runner';
export {
  createOfflineEmbedder,
  offlineModelFiles,
  OFFLINE_DIMENSIONS,
  OFFLINE_MODEL_ID,
  OFFLINE_PRECISION,
  type OfflineEmbedderOptions,
} from './offline/offline-embedder';
export { OFFLINE_SIMILARITY_THRESHOLD } from './default-threshold';
export { figuresAt, gptCachePairs, labelledPairs, stsbPairs, type LabelledPair, type ThresholdFigures } from './quality/labelled-pairs';
export { createProviderEmbedder, type ProviderEmbedderOptions, type RunEmbeddingRequest } from './provider/provider-embedder';
export { createDownloadEmbedder, type DownloadEmbedderOptions } from './download/download-embedder';
export { downloadModel, modelFolder, type HubModel } from './download/hub-download';
export { createEmbedder, type EmbedderDependencies } from './create-embedder';
