import { configSchema, similarity } from '@switchyard/shared';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../../test/support/mock-openai-upstream';
import { createProviderEmbedder, type RunEmbeddingRequest } from './provider-embedder';

let upstream: MockOpenAIUpstream;
let adapters: LocalProviderAdapterService;

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  const config = configSchema.parse({
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: '${OPENAI_API_KEY}', models: ['*'] } },
  });
  adapters = new LocalProviderAdapterService(config, { env: { OPENAI_API_KEY: 'sk-test-secret' } });
});

afterAll(async () => {
  await adapters.close();
  await upstream.close();
});

beforeEach(() => upstream.reset());

/** What the gateway injects: the request through the provider adapters (here to one deployment, without the executor's routing). */
const run: RunEmbeddingRequest = (request, signal) =>
  adapters.embed({ id: `openai/${request.model}`, providerId: 'openai', model: request.model }, request, {
    requestId: 'embedder',
    signal: signal ?? new AbortController().signal,
  });

describe('createProviderEmbedder through the OpenAI adapter (mock upstream in OpenAI wire format)', () => {
  it('embeds through /v1/embeddings, one request for concurrent calls, unit vectors in order', async () => {
    const embedder = createProviderEmbedder({ model: 'text-embedding-3-small', dimensions: 256, run });
    try {
      const [first, second] = await Promise.all([
        embedder.embed(['the cat sat on the mat', 'quarterly revenue grew']),
        embedder.embed(['the cat sat on a mat']),
      ]);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0]).toMatchObject({
        path: '/v1/embeddings',
        body: { model: 'text-embedding-3-small', input: ['the cat sat on the mat', 'quarterly revenue grew', 'the cat sat on a mat'] },
      });
      expect(first).toHaveLength(2);
      for (const vector of [...first, ...second]) {
        expect(vector).toHaveLength(256);
        expect(similarity(vector, vector)).toBeCloseTo(1, 5);
      }
      expect(similarity(first[0], second[0])).toBeGreaterThan(similarity(first[0], first[1]));
      expect(embedder.id).toBe('provider:text-embedding-3-small');
    } finally {
      await embedder.close();
    }
  });

  it('answers repeated texts from its LRU without another request', async () => {
    const embedder = createProviderEmbedder({ model: 'text-embedding-3-small', dimensions: 256, run });
    try {
      const [once] = await embedder.embed(['cached text']);
      const [twice] = await embedder.embed(['cached text']);
      expect(upstream.requests).toHaveLength(1);
      expect(Array.from(twice)).toEqual(Array.from(once));
    } finally {
      await embedder.close();
    }
  });

  it('asks for shortened vectors with requestDimensions, and splits batches at maxBatch', async () => {
    const embedder = createProviderEmbedder({
      model: 'text-embedding-3-small',
      dimensions: 64,
      requestDimensions: true,
      maxBatch: 2,
      concurrency: 1,
      run,
    });
    try {
      const vectors = await embedder.embed(['one', 'two', 'three']);
      expect(vectors.map((vector) => vector.length)).toEqual([64, 64, 64]);
      expect(upstream.requests.map((request) => (request.body as { input: string[]; dimensions: number }).input)).toEqual([
        ['one', 'two'],
        ['three'],
      ]);
      expect(upstream.requests[0].body).toMatchObject({ dimensions: 64 });
      expect(embedder.id).toBe('provider:text-embedding-3-small@64');
    } finally {
      await embedder.close();
    }
  });

  it('fails every waiting call with the upstream error, and with a clear one on a dimension mismatch', async () => {
    const embedder = createProviderEmbedder({ model: 'text-embedding-3-small', dimensions: 1536, run });
    try {
      // The mock answers 256 numbers: not what the config says.
      await expect(embedder.embed(['x'])).rejects.toThrow(/256 dimensions, not 1536/);
      upstream.enqueue({
        kind: 'error',
        status: 401,
        body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
      });
      const failures = await Promise.allSettled([embedder.embed(['a']), embedder.embed(['b'])]);
      expect(failures.map((failure) => failure.status)).toEqual(['rejected', 'rejected']);
      for (const failure of failures) expect(String((failure as PromiseRejectedResult).reason)).not.toContain('sk-test-secret');
    } finally {
      await embedder.close();
    }
  });
});
