import { z } from 'zod';

/**
 * The `vectorStore` section: where the semantic plugins (cache, memory,
 * routing, injection kNN) keep their vectors. `embedded` is an HNSW index in
 * this process, on disk at `path`; `weaviate` is a Weaviate server, each
 * namespace one tenant of one multi-tenant collection.
 */

const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

const hnswSchema = z.strictObject({
  /** Links per node: more is better recall and more memory. */
  m: z.number().int().min(4).max(64).default(16),
  /** Search breadth when a vector is added: more is a better graph and slower writes. */
  efConstruction: z.number().int().min(8).max(1_000).default(100),
  /** Search breadth of a query: more is better recall and slower queries. */
  efSearch: z.number().int().min(1).max(1_000).default(64),
  /** Namespaces with fewer records are searched exactly. */
  exactSearchBelow: z.number().int().min(0).default(1_000),
});

export const vectorStoreConfigSchema = z
  .strictObject({
    kind: z.enum(['embedded', 'weaviate']).default('embedded'),
    /**
     * Embedded: the folder of the index files. Absent: `vectors/` in
     * `observability.dataDirectory`, or in memory when that is `memory://`
     * (as `memory://` here: gone at exit).
     */
    path: z.string().min(1).optional(),
    hnsw: hnswSchema.prefault({}),
    /** Weaviate: its REST address, e.g. http://127.0.0.1:8080 (no credentials in it). */
    url: z
      .url()
      .refine((value) => !/^[a-z]+:\/\/[^/]*@/i.test(value), { message: 'must not hold credentials; use vectorStore.apiKey' })
      .optional(),
    /** Weaviate's gRPC address (host:port); default: the REST host, port 50051. */
    grpcAddress: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s/]+):\d{1,5}$/, 'must be host:port')
      .optional(),
    /** Weaviate API key, as a reference to an environment variable: ${WEAVIATE_API_KEY}. */
    apiKey: z.string().regex(ENV_REFERENCE, 'must be a reference to an environment variable, such as ${WEAVIATE_API_KEY}').optional(),
    /** The multi-tenant collection that holds every namespace (one tenant each). */
    collection: z
      .string()
      .regex(/^[A-Z][_0-9A-Za-z]*$/, 'must start with an upper-case letter, then letters, digits or _ (a Weaviate class name)')
      .default('SwitchyardVectors'),
    /** Deadline of one call to Weaviate. */
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .refine((value) => value.kind !== 'weaviate' || value.url !== undefined, { message: 'kind weaviate needs url', path: ['url'] })
  .prefault({});

export type VectorStoreConfig = z.infer<typeof vectorStoreConfigSchema>;
