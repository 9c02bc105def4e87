import { type Embedder, normalize } from '@switchyard/shared';
import { EmbeddingCache } from './embedding-cache';

/** Embeds one batch of distinct texts: a model on a worker thread, a provider's embeddings API. */
export type EmbedBatch = (texts: string[]) => Promise<Float32Array[]>;

export interface BatchingEmbedderOptions {
  id: string;
  dimensions: number;
  run: EmbedBatch;
  /** Texts per batch at most. */
  maxBatch: number;
  /** Batches in flight at once (one per worker thread). */
  concurrency: number;
  /** Texts whose vectors are kept (LRU); 0 keeps none. */
  cacheSize: number;
  close?: () => Promise<void>;
}

interface Pending {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: Error) => void;
}

/**
 * The `Embedder` contract around a batch function: identical texts are
 * answered from an LRU, concurrent calls are coalesced into batches (texts
 * arriving while every slot is busy wait and leave together in the next
 * batch), duplicates in a batch are embedded once, and every vector comes
 * back at unit length and as a copy of its own.
 */
export class BatchingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly cache: EmbeddingCache;
  private readonly queue: Pending[] = [];
  private running = 0;
  private scheduled = false;
  private closed = false;

  constructor(private readonly options: BatchingEmbedderOptions) {
    this.id = options.id;
    this.dimensions = options.dimensions;
    this.cache = new EmbeddingCache(options.cacheSize);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed) throw new Error(`embedder ${this.id} is closed`);
    signal?.throwIfAborted();
    for (const text of texts) {
      if (typeof text !== 'string') throw new TypeError('embed() takes strings');
    }
    const vectors = texts.map((text) => {
      const cached = this.cache.get(text);
      return cached ? Promise.resolve(cached) : new Promise<Float32Array>((resolve, reject) => this.queue.push({ text, resolve, reject }));
    });
    this.schedule();
    const all = Promise.all(vectors);
    const result = signal ? await abortable(all, signal) : await all;
    // Copies made here, in the caller's realm: the worker's arrays are not `instanceof Float32Array` inside a vm context (jest).
    return result.map((vector) => new Float32Array(vector));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error(`embedder ${this.id} is closed`);
    for (const pending of this.queue.splice(0)) pending.reject(error);
    await this.options.close?.();
  }

  /** Starts batches on the next tick, so calls made in the same tick share one. */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.options.concurrency && this.queue.length > 0) void this.runBatch();
    });
  }

  private async runBatch(): Promise<void> {
    const byText = new Map<string, Pending[]>();
    while (this.queue.length > 0 && byText.size < this.options.maxBatch) {
      const pending = this.queue.shift()!;
      const cached = this.cache.get(pending.text);
      if (cached) pending.resolve(cached);
      else byText.set(pending.text, [...(byText.get(pending.text) ?? []), pending]);
    }
    if (byText.size === 0) return;
    this.running++;
    const texts = [...byText.keys()];
    try {
      const vectors = await this.options.run(texts);
      if (vectors.length !== texts.length) throw new Error(`embedder ${this.id} returned ${vectors.length} vectors for ${texts.length} texts`);
      texts.forEach((text, index) => {
        const vector = vectors[index];
        if (vector.length !== this.dimensions)
          throw new Error(`embedder ${this.id} returned a vector of ${vector.length} dimensions, not ${this.dimensions}`);
        normalize(vector);
        this.cache.set(text, vector);
        for (const pending of byText.get(text)!) pending.resolve(vector);
      });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiting of byText.values()) for (const pending of waiting) pending.reject(failure);
    } finally {
      this.running--;
      if (!this.closed) this.schedule();
    }
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('embedding aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
