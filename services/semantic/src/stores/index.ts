// Vector stores: one folder per store, each a `VectorStore` (namespaces per workspace).
export { HnswVectorStore, type HnswVectorStoreOptions } from './hnsw/hnsw-vector-store';
export { createVectorStore, embeddedStoreDirectory } from './create-vector-store';
export { vectorDimensionsMismatch, vectorStoreUnavailable, vectorStoreClosed } from './vector-store-errors';
export { WeaviateVectorStore, type WeaviateVectorStoreOptions } from './weaviate/weaviate-vector-store';
