import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BatchingEmbedder } from '../batching-embedder';
import type { ModelFiles } from './model-runner';

/**
 * The compiled worker entry. It is JavaScript under `dist/` whether this
 * module runs from `dist/` or (in tests) from `src/`, its sibling.
 */
const WORKER_ENTRY = path.join(__dirname, '..', '..', '..', 'dist', 'embedders', 'local-model', 'model-worker.js');

export interface LocalModelEmbedderOptions {
  /** Names the model and its version (stores key on it). */
  id: string;
  dimensions: number;
  /** Where the model's files are; may download them first (asked once, on first use). */
  files: () => Promise<ModelFiles>;
  /** Worker threads, each with its own copy of the model (default 1). */
  threads?: number;
  /** Texts in one batch at most (default 64). */
  maxBatch?: number;
  /** Texts cut to this many tokens (default 256). */
  maxTokens?: number;
  /** Vectors of recent texts kept (default 10 000). */
  cacheSize?: number;
  /** `int8` (default) quantizes the projections at load: about twice as fast on CPU as `fp32`. */
  precision?: 'fp32' | 'int8';
}

interface Reply {
  id?: number;
  vectors?: Float32Array;
  error?: string;
  ready?: number;
  failed?: string;
}

/** One worker thread running the model; started on first use, restarted after a crash. */
class ModelThread {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private readonly calls = new Map<number, { resolve: (vectors: Float32Array) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  /** Batches given to this thread and not answered yet. */
  inFlight = 0;

  constructor(
    private readonly options: LocalModelEmbedderOptions,
    private readonly dimensions: number,
  ) {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    this.inFlight++;
    try {
      return await this.send(texts);
    } finally {
      this.inFlight--;
    }
  }

  private async send(texts: string[]): Promise<Float32Array[]> {
    const worker = await this.start();
    const id = this.nextId++;
    const flat = await new Promise<Float32Array>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      // A worker with work in flight keeps the process alive; an idle one does not.
      worker.ref();
      worker.postMessage({ id, texts });
    });
    return texts.map((_, index) => flat.slice(index * this.dimensions, (index + 1) * this.dimensions));
  }

  start(): Promise<Worker> {
    this.ready ??= this.spawn().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async spawn(): Promise<Worker> {
    const files = await this.options.files();
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { files, maxTokens: this.options.maxTokens ?? 256, threads: 1, precision: this.options.precision ?? 'int8' },
    });
    this.worker = worker;
    return new Promise<Worker>((resolve, reject) => {
      worker.on('message', (reply: Reply) => {
        if (reply.ready !== undefined) {
          if (reply.ready !== this.dimensions) {
            reject(new Error(`embedding model ${this.options.id} gives ${reply.ready} dimensions, not the ${this.dimensions} configured`));
            void worker.terminate();
            return;
          }
          worker.unref();
          resolve(worker);
        } else if (reply.failed !== undefined) {
          reject(new Error(`embedding model ${this.options.id} failed to load: ${reply.failed}`));
          void worker.terminate();
        } else if (reply.id !== undefined) {
          const call = this.calls.get(reply.id);
          this.calls.delete(reply.id);
          if (this.calls.size === 0) worker.unref();
          if (reply.error !== undefined) call?.reject(new Error(`embedding model ${this.options.id}: ${reply.error}`));
          else call?.resolve(reply.vectors!);
        }
      });
      const fail = (error: Error) => {
        reject(error);
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
        for (const call of this.calls.values()) call.reject(error);
        this.calls.clear();
      };
      worker.on('error', (error) => fail(new Error(`embedding worker for ${this.options.id} crashed: ${error.message}`)));
      worker.on('exit', (code) => fail(new Error(`embedding worker for ${this.options.id} exited (code ${code})`)));
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (worker) await worker.terminate();
  }
}

/**
 * A model that runs here, on worker threads, behind the batching and the
 * LRU of `BatchingEmbedder`. `warm()` loads it ahead of the first request.
 */
export class LocalModelEmbedder extends BatchingEmbedder {
  private readonly threads: ModelThread[];

  constructor(options: LocalModelEmbedderOptions) {
    const threads = Array.from({ length: Math.max(1, options.threads ?? 1) }, () => new ModelThread(options, options.dimensions));
    super({
      id: options.id,
      dimensions: options.dimensions,
      maxBatch: options.maxBatch ?? 64,
      concurrency: threads.length,
      cacheSize: options.cacheSize ?? 10_000,
      // `concurrency` keeps one batch per thread in flight: the least busy thread takes the next.
      run: (texts) => threads.reduce((idlest, thread) => (thread.inFlight < idlest.inFlight ? thread : idlest)).embed(texts),
      close: async () => {
        await Promise.all(threads.map((thread) => thread.close()));
      },
    });
    this.threads = threads;
  }

  /** Starts the worker threads and loads the model, so the first request does not wait for it. */
  async warm(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.start()));
  }
}
