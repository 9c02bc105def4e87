import { createHash } from 'node:crypto';
import type { VectorMatch, VectorPayload, VectorQuery, VectorRecord, VectorStore, VectorStoreConfig } from '@switchyard/shared';
import { normalize } from '@switchyard/shared';
import { vectorStoreClosed, vectorStoreUnavailable } from '../vector-store-errors';
import { filterTokens } from '../payload-tokens';
import { weaviateModule, type WeaviateClientApi, type WeaviateCollection } from './weaviate-client-api';

/**
 * The vector store on a Weaviate server: one multi-tenant collection, each
 * namespace one tenant. Tenants rather than a collection per namespace:
 * Weaviate isolates a tenant in a shard of its own (a query can only name
 * one), creates it on first write (auto-tenant creation), drops it whole in
 * one call, and is built for very many of them, where every collection is
 * schema that each node loads.
 *
 * Payloads are kept as JSON, and their values also as `key=type:value`
 * tokens in one filterable text array, so `where` on any key needs no schema
 * change (`containsAll` of the tokens) and a number never equals a string.
 */

export interface WeaviateVectorStoreOptions {
  /** REST address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** gRPC address host:port; default the REST host, port 50051. */
  grpcAddress?: string;
  /** The API key itself (resolved from the config's reference). */
  apiKey?: string;
  collection: string;
  timeoutMs: number;
}

const RECORD_ID = 'recordId';
const PAYLOAD = 'payload';
const FILTERS = 'filters';

type StoredProperties = {
  [RECORD_ID]: string;
  [PAYLOAD]: string;
  [FILTERS]: string[];
};

export class WeaviateVectorStore implements VectorStore {
  private clientPromise: Promise<WeaviateClientApi> | undefined;
  private collectionPromise: Promise<WeaviateCollection<StoredProperties>> | undefined;
  private closed = false;

  constructor(private readonly options: WeaviateVectorStoreOptions) {}

  /** From the `vectorStore` config section; the key's `${NAME}` reference is read from `env`. */
  static fromConfig(config: VectorStoreConfig, env: NodeJS.ProcessEnv): WeaviateVectorStore {
    if (config.url === undefined) throw new Error('vectorStore.url: kind weaviate needs url');
    let apiKey: string | undefined;
    if (config.apiKey !== undefined) {
      const name = config.apiKey.slice(2, -1);
      apiKey = env[name];
      if (!apiKey) throw new Error(`vectorStore.apiKey: the environment variable ${name} is not set`);
    }
    return new WeaviateVectorStore({
      url: config.url,
      grpcAddress: config.grpcAddress,
      apiKey,
      collection: config.collection,
      timeoutMs: config.timeoutMs,
    });
  }

  async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    if (records.length === 0) return this.checkOpen();
    const collection = await this.collection();
    const objects = records.map((record) => ({
      id: recordUuid(record.id),
      properties: { [RECORD_ID]: record.id, [PAYLOAD]: JSON.stringify(record.payload), [FILTERS]: filterTokens(record.payload) },
      vectors: Array.from(normalize(Float32Array.from(record.vector))),
    }));
    const result = await this.call(() => collection.withTenant(tenantName(namespace)).data.insertMany(objects));
    if (result.hasErrors) {
      const first = Object.values(result.errors)[0];
      throw vectorStoreUnavailable(
        'weaviate',
        `${Object.keys(result.errors).length} of ${records.length} records were refused: ${first?.message ?? 'no reason given'}`,
      );
    }
  }

  async query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]> {
    if (query.k <= 0) return [];
    const collection = await this.collection();
    const tokens = query.where ? filterTokens(query.where) : [];
    const tenant = collection.withTenant(tenantName(namespace));
    const result = await this.call(
      () =>
        tenant.query.nearVector(Array.from(normalize(Float32Array.from(vector))), {
          limit: query.k,
          ...(query.minScore !== undefined && { distance: 1 - query.minScore }),
          ...(tokens.length > 0 && { filters: tenant.filter.byProperty(FILTERS).containsAll(tokens) }),
          returnMetadata: ['distance'],
          returnProperties: [RECORD_ID, PAYLOAD],
        }),
      { missingTenant: { objects: [] } },
    );
    const matches = result.objects.map((object) => ({
      id: object.properties[RECORD_ID],
      score: 1 - (object.metadata?.distance ?? 1),
      payload: JSON.parse(object.properties[PAYLOAD]) as VectorPayload,
    }));
    // The server's distance bound is inclusive in float32; the contract's is exact.
    return query.minScore === undefined ? matches : matches.filter((match) => match.score >= (query.minScore as number) - 1e-6);
  }

  async delete(namespace: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return this.checkOpen();
    const collection = await this.collection();
    const tenant = collection.withTenant(tenantName(namespace));
    await this.call(() => tenant.data.deleteMany(tenant.filter.byId().containsAny(ids.map(recordUuid))), { missingTenant: undefined });
  }

  async drop(namespace: string): Promise<void> {
    const collection = await this.collection();
    const name = tenantName(namespace);
    const existing = await this.call(() => collection.tenants.getByNames([name]));
    if (existing[name] !== undefined) await this.call(() => collection.tenants.remove([name]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = await this.clientPromise?.catch(() => undefined);
    await client?.close();
  }

  private async checkOpen(): Promise<void> {
    if (this.closed) throw vectorStoreClosed('weaviate');
  }

  /** Runs a call to Weaviate, turning its failures into `vector_store_unavailable` (a missing tenant into `missingTenant` when given). */
  private async call<T>(operation: () => Promise<T>, fallbacks: { missingTenant?: T } = {}): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if ('missingTenant' in fallbacks && /tenant not found/i.test(error instanceof Error ? error.message : String(error))) {
        return fallbacks.missingTenant as T;
      }
      throw vectorStoreUnavailable('weaviate', error);
    }
  }

  private client(): Promise<WeaviateClientApi> {
    if (this.closed) return Promise.reject(vectorStoreClosed('weaviate'));
    if (this.clientPromise === undefined) {
      const pending = this.connect();
      this.clientPromise = pending;
      // A failed connection is tried again on the next call.
      pending.catch(() => {
        if (this.clientPromise === pending) this.clientPromise = undefined;
      });
    }
    return this.clientPromise;
  }

  private async connect(): Promise<WeaviateClientApi> {
    const http = new URL(this.options.url);
    const secure = http.protocol === 'https:';
    const [grpcHost, grpcPort] = this.options.grpcAddress ? splitAddress(this.options.grpcAddress) : [http.hostname, 50051];
    const seconds = Math.max(1, Math.ceil(this.options.timeoutMs / 1000));
    const weaviate = weaviateModule().default;
    try {
      return await weaviate.connectToCustom({
        httpHost: http.hostname,
        httpPort: http.port ? Number(http.port) : secure ? 443 : 80,
        httpPath: http.pathname === '/' ? '' : http.pathname,
        httpSecure: secure,
        grpcHost,
        grpcPort,
        grpcSecure: secure,
        ...(this.options.apiKey !== undefined && { authCredentials: new weaviate.ApiKey(this.options.apiKey) }),
        timeout: { init: seconds, query: seconds, insert: seconds },
      });
    } catch (error) {
      throw vectorStoreUnavailable('weaviate', error);
    }
  }

  private collection(): Promise<WeaviateCollection<StoredProperties>> {
    if (this.collectionPromise === undefined) {
      const pending = this.ensureCollection();
      this.collectionPromise = pending;
      pending.catch(() => {
        if (this.collectionPromise === pending) this.collectionPromise = undefined;
      });
    }
    return this.collectionPromise;
  }

  private async ensureCollection(): Promise<WeaviateCollection<StoredProperties>> {
    const client = await this.client();
    const name = this.options.collection;
    const weaviate = weaviateModule().default;
    if (!(await this.call(() => client.collections.exists(name)))) {
      try {
        await client.collections.create({
          name,
          description: 'Switchyard vector store: one tenant per namespace',
          multiTenancy: weaviate.configure.multiTenancy({ enabled: true, autoTenantCreation: true, autoTenantActivation: true }),
          vectorizers: weaviate.configure.vectors.selfProvided({
            vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({ distanceMetric: 'cosine' }),
          }),
          properties: [
            { name: RECORD_ID, dataType: 'text', tokenization: 'field', indexFilterable: true, indexSearchable: false },
            { name: PAYLOAD, dataType: 'text', indexFilterable: false, indexSearchable: false },
            { name: FILTERS, dataType: 'text[]', tokenization: 'field', indexFilterable: true, indexSearchable: false },
          ],
        });
      } catch (error) {
        // Another process may have created it meanwhile: that is as good.
        if (!(await this.call(() => client.collections.exists(name)))) throw vectorStoreUnavailable('weaviate', error);
      }
    }
    return client.collections.use<StoredProperties>(name);
  }
}

/** Tenant names allow [A-Za-z0-9_-]{1,64}: the namespace's SHA-256, which never collides in practice. */
export function tenantName(namespace: string): string {
  return createHash('sha256').update(namespace, 'utf8').digest('hex');
}

/** Weaviate ids are UUIDs: a name-based one (v5) from the record's id, the same on every write. */
function recordUuid(id: string): string {
  return weaviateModule().generateUuid5(id);
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), Number(address.slice(colon + 1))];
}
