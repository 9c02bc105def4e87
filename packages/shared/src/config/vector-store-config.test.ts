import { configSchema } from './config-schema';

describe('vectorStore config', () => {
  it('defaults to the embedded store with the HNSW defaults', () => {
    expect(configSchema.parse({}).vectorStore).toEqual({
      kind: 'embedded',
      hnsw: { m: 16, efConstruction: 100, efSearch: 64, exactSearchBelow: 1_000 },
      collection: 'SwitchyardVectors',
      timeoutMs: 10_000,
    });
  });

  it('takes a Weaviate server with its key as a reference', () => {
    const parsed = configSchema.parse({
      vectorStore: { kind: 'weaviate', url: 'http://127.0.0.1:58080', grpcAddress: '127.0.0.1:58051', apiKey: '${WEAVIATE_API_KEY}' },
    });
    expect(parsed.vectorStore).toMatchObject({
      kind: 'weaviate',
      url: 'http://127.0.0.1:58080',
      grpcAddress: '127.0.0.1:58051',
      apiKey: '${WEAVIATE_API_KEY}',
    });
  });

  it.each([
    [{ kind: 'weaviate' }, 'vectorStore.url', 'kind weaviate needs url'],
    [{ kind: 'weaviate', url: 'http://127.0.0.1:8080', apiKey: 'plain-key' }, 'vectorStore.apiKey', 'must be a reference to an environment variable'],
    [{ kind: 'weaviate', url: 'http://user:secret@127.0.0.1:8080' }, 'vectorStore.url', 'must not hold credentials'],
    [{ kind: 'weaviate', url: 'http://127.0.0.1:8080', grpcAddress: 'http://x:1' }, 'vectorStore.grpcAddress', 'must be host:port'],
    [{ kind: 'qdrant' }, 'vectorStore.kind', ''],
    [{ collection: 'lower' }, 'vectorStore.collection', 'must start with an upper-case letter'],
    [{ hnsw: { m: 1 } }, 'vectorStore.hnsw.m', ''],
  ])('refuses %j, naming %s', (vectorStore, where, message) => {
    const result = configSchema.safeParse({ vectorStore });
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((entry) => entry.path.join('.') === where);
    expect(issue).toBeDefined();
    expect(issue?.message).toContain(message);
  });
});
