import { configSchema, vectorNamespace } from '@switchyard/shared';
import { freePort, requireWeaviate, WEAVIATE_API_KEY, WEAVIATE_GRPC_ADDRESS, WEAVIATE_URL } from '../../../../../test/support/infrastructure';
import { describeVectorStoreContract, record, vectorOf } from '../__fixtures__/vector-store-contract';
import { createVectorStore } from '../create-vector-store';
import { tenantName, WeaviateVectorStore } from './weaviate-vector-store';

// A collection of this run's own on the shared server, removed at the end.
const COLLECTION = `SwitchyardTest${process.pid}T${Date.now()}`;

function weaviateStore(overrides: Partial<ConstructorParameters<typeof WeaviateVectorStore>[0]> = {}): WeaviateVectorStore {
  return new WeaviateVectorStore({
    url: WEAVIATE_URL,
    grpcAddress: WEAVIATE_GRPC_ADDRESS,
    apiKey: WEAVIATE_API_KEY,
    collection: COLLECTION,
    timeoutMs: 30_000,
    ...overrides,
  });
}

async function schemaRequest(method: 'GET' | 'DELETE', suffix = ''): Promise<Response> {
  return fetch(new URL(`/v1/schema/${COLLECTION}${suffix}`, WEAVIATE_URL), {
    method,
    headers: { authorization: `Bearer ${WEAVIATE_API_KEY}` },
    signal: AbortSignal.timeout(30_000),
  });
}

beforeAll(async () => {
  await requireWeaviate();
});

afterAll(async () => {
  await schemaRequest('DELETE');
});

describeVectorStoreContract('WeaviateVectorStore', () => weaviateStore());

describe('WeaviateVectorStore', () => {
  const stores: WeaviateVectorStore[] = [];
  const open = (overrides: Parameters<typeof weaviateStore>[0] = {}) => {
    const store = weaviateStore(overrides);
    stores.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((store) => store.close()));
  });

  it('keeps each namespace in a tenant of one multi-tenant collection, and drop removes the tenant', async () => {
    const store = open();
    const namespace = vectorNamespace(`tenant-check-${Date.now()}`, 'cache', 'a:b');
    await store.upsert(namespace, [record('a', 1)]);
    const schema = (await (await schemaRequest('GET')).json()) as { multiTenancyConfig: { enabled: boolean }; vectorConfig?: unknown };
    expect(schema.multiTenancyConfig.enabled).toBe(true);
    const tenants = async () => ((await (await schemaRequest('GET', '/tenants')).json()) as { name: string }[]).map((tenant) => tenant.name);
    expect(await tenants()).toContain(tenantName(namespace));
    await store.drop(namespace);
    expect(await tenants()).not.toContain(tenantName(namespace));
  });

  it('is built from the vectorStore config, its key read from the environment', async () => {
    const config = configSchema.parse({
      vectorStore: {
        kind: 'weaviate',
        url: WEAVIATE_URL,
        grpcAddress: WEAVIATE_GRPC_ADDRESS,
        collection: COLLECTION,
        apiKey: '${SWITCHYARD_WEAVIATE_API_KEY}',
      },
    });
    const store = createVectorStore(config, { SWITCHYARD_WEAVIATE_API_KEY: WEAVIATE_API_KEY });
    stores.push(store as WeaviateVectorStore);
    expect(store).toBeInstanceOf(WeaviateVectorStore);
    const namespace = vectorNamespace(`config-${Date.now()}`, 'routes');
    await store.upsert(namespace, [record('route-a', 11, { route: 'support' })]);
    expect(await store.query(namespace, vectorOf(11), { k: 1, where: { route: 'support' } })).toEqual([
      { id: 'route-a', score: expect.closeTo(1, 4), payload: { route: 'support' } },
    ]);

    const withKey = configSchema.parse({ vectorStore: { kind: 'weaviate', url: WEAVIATE_URL, apiKey: '${SWITCHYARD_TEST_WEAVIATE_KEY}' } });
    expect(() => createVectorStore(withKey, {})).toThrow('vectorStore.apiKey: the environment variable SWITCHYARD_TEST_WEAVIATE_KEY is not set');
  });

  it('answers 503 vector_store_unavailable when nothing listens, without the key in the message', async () => {
    const port = await freePort();
    const store = open({ url: `http://127.0.0.1:${port}`, grpcAddress: `127.0.0.1:${port}`, apiKey: 'secret-weaviate-key', timeoutMs: 2_000 });
    const failure = await store.query('ns', vectorOf(1), { k: 1 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ status: 503, code: 'vector_store_unavailable', retryable: true });
    expect((failure as Error).message).toMatch(/^the vector store \(weaviate\) failed: /);
    expect((failure as Error).message).not.toContain('secret-weaviate-key');
  });
});
