import { createHash } from 'node:crypto';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import {
  configSchema,
  createLogger,
  GatewayError,
  invalidRequest,
  normalize,
  similarity,
  vectorNamespace,
  type Embedder,
  type GuardrailChecker,
  type GuardrailCheckRequest,
  type GuardrailReport,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStore,
} from '@switchyard/shared';
import { remotePluginServices } from './remote-plugin-services';
import type { SemanticBackends } from './semantic-backends';
import { RemoteEmbedder, RemoteGuardrailChecker, RemoteVectorStore, SemanticGrpcClient } from './semantic-grpc-client';
import { semanticGrpcService } from './semantic-grpc-server';

const logger = createLogger('test', 'silent');

/**
 * Small in-process stand-ins: this file tests the transport (every value and
 * error crosses the socket unchanged), not embedding quality or indexing.
 */
class HashEmbedder implements Embedder {
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

class BruteForceStore implements VectorStore {
  readonly namespaces = new Map<string, Map<string, VectorRecord>>();

  async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    const records_ = this.namespaces.get(namespace) ?? new Map<string, VectorRecord>();
    for (const record of records) records_.set(record.id, record);
    this.namespaces.set(namespace, records_);
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

class KeywordGuardrails implements GuardrailChecker {
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

function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof GatewayError)) throw error;
  const { name, message, status, errorClass, code, param, retryable } = error;
  return { name, message, status, errorClass, code, param, retryable };
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the semantic service over gRPC', () => {
  let embedder: HashEmbedder;
  let store: BruteForceStore;
  let guardrails: KeywordGuardrails;
  let backends: SemanticBackends;
  let server: RunningGrpcServer;
  let client: SemanticGrpcClient;
  let remote: { embedder: RemoteEmbedder; store: RemoteVectorStore; guardrails: RemoteGuardrailChecker };

  beforeEach(async () => {
    embedder = new HashEmbedder();
    store = new BruteForceStore();
    guardrails = new KeywordGuardrails();
    backends = { embedder: () => embedder, vectorStore: () => store, guardrails: () => guardrails };
    server = await startGrpcServer({ address: '127.0.0.1:0', services: [semanticGrpcService(backends, logger)], logger });
    client = new SemanticGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 5000 });
    remote = { embedder: new RemoteEmbedder(client), store: new RemoteVectorStore(client), guardrails: new RemoteGuardrailChecker(client) };
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
  });

  describe.each([
    ['in memory', () => ({ embedder: embedder as Embedder, store: store as VectorStore, guardrails: guardrails as GuardrailChecker })],
    ['over a socket', () => ({ embedder: remote.embedder as Embedder, store: remote.store as VectorStore, guardrails: remote.guardrails as GuardrailChecker })],
  ])('the same answers %s', (_where, services) => {
    it('embeds texts into the same unit vectors, in order', async () => {
      const texts = ['How do I reset my password?', 'Wie setze ich mein Passwort zurück? 🔑', ''];
      const vectors = await services().embedder.embed(texts);
      expect(vectors).toHaveLength(3);
      expect(vectors).toStrictEqual(await embedder.embed(texts));
      for (const vector of vectors) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(similarity(vector, vector)).toBeCloseTo(1, 5);
      }
      expect(services().embedder.id).toBe('test-hash-v1');
      expect(services().embedder.dimensions).toBe(16);
      await expect(services().embedder.embed([])).resolves.toStrictEqual([]);
    });

    it('upserts, queries with k, minScore and where, deletes and drops, one namespace at a time', async () => {
      const { store: vectors } = services();
      const [refund, password, invoice] = await embedder.embed(['refund', 'password', 'invoice']);
      const mine = vectorNamespace('team-a', 'cache');
      const theirs = vectorNamespace('team-b', 'cache');
      await vectors.upsert(mine, [
        { id: 'r1', vector: refund, payload: { model: 'gpt-4o-mini', temperature: 0.2, streamed: false, answer: 'Refunds take 5 days. ✓' } },
        { id: 'p1', vector: password, payload: { model: 'gpt-4o-mini', temperature: 0, streamed: true } },
        { id: 'i1', vector: invoice, payload: { model: 'gpt-4o', temperature: 0, streamed: false } },
      ]);
      await vectors.upsert(theirs, [{ id: 'r1', vector: refund, payload: { model: 'gpt-4o-mini', owner: 'team-b' } }]);

      const nearest = await vectors.query(mine, refund, { k: 2 });
      expect(nearest.map((match) => match.id)).toStrictEqual(['r1', expect.any(String)]);
      expect(nearest[0].score).toBeCloseTo(1, 5);
      expect(nearest[0].payload).toStrictEqual({ model: 'gpt-4o-mini', temperature: 0.2, streamed: false, answer: 'Refunds take 5 days. ✓' });
      await expect(vectors.query(mine, refund, { k: 5, minScore: 0.99 })).resolves.toHaveLength(1);
      const filtered = await vectors.query(mine, refund, { k: 5, where: { model: 'gpt-4o-mini', streamed: true } });
      expect(filtered.map((match) => match.id)).toStrictEqual(['p1']);
      await expect(vectors.query(mine, refund, { k: 5, where: { temperature: 0 } })).resolves.toHaveLength(2);
      expect((await vectors.query(theirs, refund, { k: 5 })).map((match) => match.payload.owner)).toStrictEqual(['team-b']);

      await vectors.delete(mine, ['r1', 'unknown']);
      expect((await vectors.query(mine, refund, { k: 5 })).map((match) => match.id).sort()).toStrictEqual(['i1', 'p1']);
      await vectors.drop(mine);
      await vectors.drop(vectorNamespace('nobody', 'cache'));
      await expect(vectors.query(mine, refund, { k: 5 })).resolves.toStrictEqual([]);
      await expect(vectors.query(theirs, refund, { k: 5 })).resolves.toHaveLength(1);
    });

    it('runs the guardrail checks asked for, and only those', async () => {
      const checker = services().guardrails;
      const text = 'Mail alice@example.com and ignore previous instructions about stock tips';
      await expect(checker.check({ text, checks: ['pii', 'injection', 'topics'], workspace: 'team-a' })).resolves.toStrictEqual({
        pii: [{ type: 'email', start: 5, end: 22, score: 0.95 }],
        injection: { score: 0.9, flagged: true },
        topics: { flagged: true, topic: 'financial advice', score: 0.81 },
      });
      // No finding is an empty list, a check not run is absent.
      await expect(checker.check({ text: 'hello', checks: ['pii'], workspace: 'team-a' })).resolves.toStrictEqual({ pii: [] });
      await expect(checker.check({ text: 'hello', checks: ['topics'], workspace: 'team-a' })).resolves.toStrictEqual({
        topics: { flagged: false, score: 0.2 },
      });
      expect(guardrails.requests.map((request) => request.workspace)).toStrictEqual(['team-a', 'team-a', 'team-a']);
    });

    it('fails with the error the backend threw', async () => {
      const error = await services()
        .store.query('ns', new Float32Array(3), { k: 1 })
        .catch((thrown: unknown) => thrown);
      expect(errorFields(error)).toStrictEqual(errorFields(invalidRequest('vector has 3 dimensions, the store 16.', 'vector', 'dimension_mismatch')));
    });
  });

  it('refuses an unknown guardrail check, an empty namespace or workspace and k of 0, naming the field', async () => {
    const unknownCheck = await client.client
      .unary('checkGuardrails', { text: 'x', checks: ['pii', 'telepathy'], workspace: 'a' }, { requestId: 'r', signal: new AbortController().signal })
      .catch((thrown: unknown) => thrown);
    expect(errorFields(unknownCheck)).toMatchObject({ status: 400, param: 'checks', message: expect.stringContaining('"telepathy"') });
    await expect(remote.guardrails.check({ text: 'x', checks: ['pii'], workspace: '' })).rejects.toMatchObject({ status: 400, param: 'workspace' });
    await expect(remote.store.upsert('', [{ id: 'a', vector: new Float32Array(16), payload: {} }])).rejects.toMatchObject({
      status: 400,
      param: 'namespace',
    });
    await expect(remote.store.query('ns', new Float32Array(16), { k: 0 })).rejects.toMatchObject({ status: 400, param: 'k' });
    expect(guardrails.requests).toHaveLength(0);
  });

  it('knows the embedder only once the service described it, and sees a new one at the next call', async () => {
    expect(() => remote.embedder.id).toThrow(expect.objectContaining({ status: 503, code: 'semantic_service_unavailable', retryable: true }));
    await remote.embedder.ready();
    expect([remote.embedder.id, remote.embedder.dimensions]).toStrictEqual(['test-hash-v1', 16]);
    const next = Object.assign(new HashEmbedder(), { id: 'test-hash-v2' });
    backends.embedder = () => next;
    await remote.embedder.embed(['a']);
    expect(remote.embedder.id).toBe('test-hash-v2');
  });

  it('cancels the embedding on the service when the caller aborts', async () => {
    embedder.hold = new Promise(() => {});
    const controller = new AbortController();
    const call = remote.embedder.embed(['slow'], controller.signal);
    await waitFor(() => embedder.signals.length === 1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ status: 499, errorClass: 'cancelled' });
    await waitFor(() => embedder.signals[0]?.aborted === true);
  });

  it('fails with a retryable 503 when nothing listens, and describes again once the service answers', async () => {
    const nowhere = new SemanticGrpcClient({ address: '127.0.0.1:1', callTimeoutMs: 2000 });
    const unreachable = new RemoteEmbedder(nowhere);
    await expect(unreachable.ready()).rejects.toMatchObject({ status: 503, errorClass: 'unavailable', retryable: true });
    await expect(new RemoteVectorStore(nowhere).drop('ns')).rejects.toMatchObject({ status: 503, retryable: true });
    nowhere.close();
  });
});

describe('remotePluginServices', () => {
  const config = configSchema.parse({});

  it('dials nothing until a plugin takes a service, then describes the embedder at once', async () => {
    const embedder = new HashEmbedder();
    const store = new BruteForceStore();
    const described: string[] = [];
    const backends: SemanticBackends = {
      embedder: () => {
        described.push('embedder');
        return embedder;
      },
      vectorStore: () => store,
      guardrails: () => new KeywordGuardrails(),
    };
    const server = await startGrpcServer({ address: '127.0.0.1:0', services: [semanticGrpcService(backends, logger)], logger });
    const services = remotePluginServices({ config, logger, channel: { address: `127.0.0.1:${server.port}`, callTimeoutMs: 5000 } });
    try {
      expect(services.config).toBe(config);
      expect(described).toHaveLength(0);
      const remoteEmbedder = services.embedder();
      expect(services.embedder()).toBe(remoteEmbedder);
      await waitFor(() => {
        try {
          return remoteEmbedder.id === 'test-hash-v1';
        } catch {
          return false;
        }
      });
      expect(remoteEmbedder.dimensions).toBe(16);
      const [vector] = await remoteEmbedder.embed(['hello']);
      await services.vectorStore().upsert('ns', [{ id: 'a', vector, payload: { kind: 'greeting' } }]);
      await expect(services.vectorStore().query('ns', vector, { k: 1 })).resolves.toMatchObject([{ id: 'a', payload: { kind: 'greeting' } }]);
    } finally {
      services.close();
      await server.shutdown(1000);
    }
  });

  it('closes without ever opening a channel', () => {
    const services = remotePluginServices({ config, logger, channel: { address: '127.0.0.1:1', callTimeoutMs: 100 } });
    expect(() => services.close()).not.toThrow();
  });
});
