/**
 * Turns text into vectors. Every implementation returns unit-length vectors
 * (cosine similarity is then a dot product), one per input, in order, each of
 * `dimensions` numbers; the same text always gives the same vector.
 */
export interface Embedder {
  /** Names the model and its version: vectors of different ids are never compared (stores key on it). */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Releases threads, files and connections. */
  close(): Promise<void>;
}

/** Cosine similarity of two unit vectors. */
export function similarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index] * b[index];
  return dot;
}

/** Scales `vector` to unit length in place (a zero vector stays zero); returns it. */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += vector[index] * vector[index];
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let index = 0; index < vector.length; index++) vector[index] *= scale;
  return vector;
}
