/**
 * The part of weaviate-client (3.12) the store uses, typed here and loaded
 * with require() on first use. Importing the package's own declarations
 * would pull `lib.dom` into every program that compiles this file (through
 * graphql-request's cross-fetch), changing the global `fetch` types of the
 * whole tree; and the gateway loads the client only when configured.
 */

/** Opaque pieces of a collection definition, made by `configure`. */
type ConfigPiece = { readonly __weaviateConfig?: never } & object;
type Filter = { readonly __weaviateFilter?: never } & object;

export interface WeaviateFilters {
  byProperty(name: string): { containsAll(values: string[]): Filter };
  byId(): { containsAny(ids: string[]): Filter };
}

export interface WeaviateTenantCollection<Properties> {
  filter: WeaviateFilters;
  data: {
    insertMany(
      objects: { id: string; properties: Properties; vectors: number[] }[],
    ): Promise<{ hasErrors: boolean; errors: Record<number, { message: string }> }>;
    deleteMany(filter: Filter): Promise<{ failed: number; successful: number }>;
  };
  query: {
    nearVector(
      vector: number[],
      options: { limit: number; distance?: number; filters?: Filter; returnMetadata: 'distance'[]; returnProperties: string[] },
    ): Promise<{ objects: { properties: Properties; metadata?: { distance?: number } }[] }>;
  };
}

export interface WeaviateCollection<Properties> {
  withTenant(tenant: string): WeaviateTenantCollection<Properties>;
  tenants: {
    getByNames(names: string[]): Promise<Record<string, unknown>>;
    remove(names: string[]): Promise<void>;
  };
}

export interface WeaviateClientApi {
  collections: {
    exists(name: string): Promise<boolean>;
    create(definition: {
      name: string;
      description: string;
      multiTenancy: ConfigPiece;
      vectorizers: ConfigPiece;
      properties: { name: string; dataType: 'text' | 'text[]'; tokenization?: 'field'; indexFilterable: boolean; indexSearchable: boolean }[];
    }): Promise<unknown>;
    use<Properties>(name: string): WeaviateCollection<Properties>;
  };
  close(): Promise<void>;
}

export interface WeaviateModule {
  default: {
    connectToCustom(options: {
      httpHost: string;
      httpPort: number;
      httpPath: string;
      httpSecure: boolean;
      grpcHost: string;
      grpcPort: number;
      grpcSecure: boolean;
      authCredentials?: object;
      /** Seconds. */
      timeout: { init: number; query: number; insert: number };
    }): Promise<WeaviateClientApi>;
    ApiKey: new (key: string) => object;
    configure: {
      multiTenancy(options: { enabled: boolean; autoTenantCreation: boolean; autoTenantActivation: boolean }): ConfigPiece;
      vectors: { selfProvided(options: { vectorIndexConfig: ConfigPiece }): ConfigPiece };
      vectorIndex: { hnsw(options: { distanceMetric: 'cosine' }): ConfigPiece };
    };
  };
  generateUuid5(identifier: string): string;
}

let loaded: WeaviateModule | undefined;

export function weaviateModule(): WeaviateModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('weaviate-client') as WeaviateModule;
  return loaded;
}
