import { createHash } from 'node:crypto';
import {
  invalidRequest,
  normalize,
  similarity,
  type Embedder,
  type GuardrailChecker,
  type GuardrailCheckRequest,
  type GuardrailReport,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStore,
} from '@switchyard/shared';

/**
 * Small in-process stand-ins for the transport's tests (every value and
 * error crosses the socket unchanged), which are not about embedding
 * quality or indexing.
 */
export class HashEmbedder implements Embedder {
  readonly id = 'test-hash-v1';
  readonly dimensions = 16;
  readonly signals: (AbortSignal | undefined)[] = [];
  /** When set, embed waits for it, or for its signal. */
  hold?: Promise<void>;

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.signals.push(signal);
    if (this.hold) await Promise.race([this.hold, new Promise((resolve) => signal?.addEventListener('abort', resolve))]);
    return texts.map((text) => {
      const digest = createHash('sha256').update(text).digest();
      const vector = new Float32Array(this.dimensions);
      for (let index = 0; index < this.dimensions; index++) vector[index] = digest[index] / 255 - 0.5 + 1e-7 * index;
      return normalize(vector);
    });
  }

  async close(): Promise<void> {}
}

export class BruteForceStore implements VectorStore {
  readonly namespaces = new Map<string, Map<string, VectorRecord>>();

  async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    const stored = this.namespaces.get(namespace) ?? new Map<string, VectorRecord>();
    for (const record of records) stored.set(record.id, record);
    this.namespaces.set(namespace, stored);
  }

  async query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]> {
    if (vector.length !== 16) throw invalidRequest(`vector has ${vector.length} dimensions, the store 16.`, 'vector', 'dimension_mismatch');
    const matches: VectorMatch[] = [];
    for (const record of this.namespaces.get(namespace)?.values() ?? []) {
      const where = Object.entries(query.where ?? {});
      if (!where.every(([key, value]) => record.payload[key] === value)) continue;
      const score = similarity(vector, record.vector);
      if (query.minScore === undefined || score >= query.minScore) matches.push({ id: record.id, score, payload: record.payload });
    }
    return matches.sort((a, b) => b.score - a.score).slice(0, query.k);
  }

  async delete(namespace: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.namespaces.get(namespace)?.delete(id);
  }

  async drop(namespace: string): Promise<void> {
    this.namespaces.delete(namespace);
  }

  async close(): Promise<void> {}
}

export class KeywordGuardrails implements GuardrailChecker {
  readonly requests: GuardrailCheckRequest[] = [];

  async check(request: GuardrailCheckRequest): Promise<GuardrailReport> {
    this.requests.push(request);
    const report: GuardrailReport = {};
    if (request.checks.includes('pii')) {
      const at = request.text.indexOf('alice@example.com');
      report.pii = at < 0 ? [] : [{ type: 'email', start: at, end: at + 'alice@example.com'.length, score: 0.95 }];
    }
    if (request.checks.includes('injection')) {
      const flagged = /ignore (all )?previous instructions/i.test(request.text);
      report.injection = { score: flagged ? 0.9 : 0.05, flagged };
    }
    if (request.checks.includes('topics')) {
      report.topics = request.text.includes('stock') ? { flagged: true, topic: 'financial advice', score: 0.81 } : { flagged: false, score: 0.2 };
    }
    return report;
  }
}
