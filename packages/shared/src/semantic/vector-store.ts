/** Payload values a store keeps beside a vector, and filters on. */
export type VectorPayload = Record<string, string | number | boolean>;

export interface VectorRecord {
  id: string;
  /** Unit length, `dimensions` long (see Embedder). */
  vector: Float32Array;
  payload: VectorPayload;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity, in [-1, 1]. */
  score: number;
  payload: VectorPayload;
}

export interface VectorQuery {
  /** The nearest `k` at most, best first. */
  k: number;
  /** Matches scoring below are left out. */
  minScore?: number;
  /** Only records whose payload has every one of these values. */
  where?: VectorPayload;
}

/**
 * Nearest-neighbour search over unit vectors, partitioned into namespaces.
 * A namespace is the isolation unit: callers build it from the workspace
 * (`vectorNamespace`), so no query ever reaches another tenant's records.
 */
export interface VectorStore {
  upsert(namespace: string, records: readonly VectorRecord[]): Promise<void>;
  query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]>;
  delete(namespace: string, ids: readonly string[]): Promise<void>;
  /** Removes a namespace and everything in it; unknown namespaces are a no-op. */
  drop(namespace: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The namespace of a workspace's collection of one kind (`cache`, `routes`,
 * `memory`, `injection`…), optionally narrowed (`x-switchyard-cache-namespace`).
 * Parts are escaped so `a` + `b:c` and `a:b` + `c` never meet.
 */
export function vectorNamespace(workspace: string, kind: string, sub = ''): string {
  return [workspace, kind, sub].map((part) => encodeURIComponent(part)).join(':');
}
