import {
  ANONYMOUS_PRINCIPAL,
  configSchema,
  normalize,
  similarity,
  type ChatRequest,
  type ChatResponse,
  type Embedder,
  type GuardrailChecker,
  type PluginContext,
  type PluginServices,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStore,
} from '@switchyard/shared';
import pino from 'pino';

/**
 * Small deterministic stand-ins for unit tests of plugin logic (thresholds,
 * isolation, trimming); the tests that judge quality use the real embedder
 * and store.
 */

/** Bag of words hashed into 256 dimensions: texts sharing words are similar, others are orthogonal-ish. */
export class WordHashEmbedder implements Embedder {
  readonly id = 'test/word-hash';
  readonly dimensions = 256;
  calls: string[][] = [];
  failWith: Error | undefined;

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    if (this.failWith) throw this.failWith;
    return texts.map((text) => {
      const vector = new Float32Array(this.dimensions);
      for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let hash = 2166136261;
        for (let index = 0; index < word.length; index++) hash = Math.imul(hash ^ word.charCodeAt(index), 16777619);
        vector[(hash >>> 0) % this.dimensions] += 1;
      }
      return normalize(vector);
    });
  }

  async close(): Promise<void> {}
}

/** Brute-force namespaces in a Map. */
export class ScanVectorStore implements VectorStore {
  readonly namespaces = new Map<string, Map<string, VectorRecord>>();

  async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    const records_ = this.namespaces.get(namespace) ?? new Map<string, VectorRecord>();
    for (const record of records) records_.set(record.id, record);
    this.namespaces.set(namespace, records_);
  }

  async query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]> {
    return [...(this.namespaces.get(namespace)?.values() ?? [])]
      .filter((record) => Object.entries(query.where ?? {}).every(([key, value]) => record.payload[key] === value))
      .map((record) => ({ id: record.id, score: similarity(vector, record.vector), payload: record.payload }))
      .filter((match) => match.score >= (query.minScore ?? -1))
      .sort((left, right) => right.score - left.score)
      .slice(0, query.k);
  }

  async delete(namespace: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.namespaces.get(namespace)?.delete(id);
  }

  async drop(namespace: string): Promise<void> {
    this.namespaces.delete(namespace);
  }

  async close(): Promise<void> {}
}

export function testServices(config: unknown, embedder: Embedder, store: VectorStore = new ScanVectorStore()): PluginServices {
  return {
    config: configSchema.parse(config),
    logger: pino({ level: 'silent' }),
    embedder: () => embedder,
    vectorStore: () => store,
    guardrails: (): GuardrailChecker => {
      throw new Error('no guardrails in this test');
    },
  };
}

/** A PluginContext that records what the plugin did, with `defer`red work awaitable through `settle()`. */
export interface RecordingContext extends PluginContext {
  responseHeaders: Record<string, string>;
  annotations: Record<string, string>;
  settle(): Promise<void>;
}

export function recordingContext(
  request: ChatRequest,
  options: { workspace?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): RecordingContext {
  const deferred: Promise<void>[] = [];
  const responseHeaders: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  return {
    requestId: 'request-1',
    workspace: options.workspace ?? 'default',
    principal: ANONYMOUS_PRINCIPAL,
    headers: options.headers ?? {},
    request,
    streamed: request.stream,
    signal: options.signal ?? new AbortController().signal,
    state: new Map(),
    responseHeaders,
    annotations,
    setHeader: (name, value) => {
      responseHeaders[name] = value;
    },
    annotate: (key, value) => {
      annotations[key] = value;
    },
    defer: (work) => {
      deferred.push(work());
    },
    settle: async () => {
      await Promise.all(deferred);
    },
  };
}

export function userRequest(model: string, ...texts: string[]): ChatRequest {
  return {
    model,
    messages: texts.map((text, index) =>
      index % 2 === 0 ? { role: 'user', content: [{ type: 'text', text }] } : { role: 'assistant', content: [{ type: 'text', text }] },
    ),
    sampling: {},
    stream: false,
    includeUsage: false,
  };
}

export function textResponse(text: string): ChatResponse {
  return {
    id: 'response-1',
    model: 'test-model',
    created: 1,
    choices: [{ index: 0, message: { content: text }, finishReason: 'stop' }],
  };
}
