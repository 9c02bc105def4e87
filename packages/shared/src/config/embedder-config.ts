import { z } from 'zod';

/** What every embedder that runs batches shares. */
const batching = {
  /** Texts sent together at most (one forward pass group, one embeddings request). */
  maxBatch: z.number().int().positive().max(2048).default(64),
  /** Vectors of recent texts kept in memory (LRU); 0 keeps none. */
  cacheSize: z.number().int().nonnegative().default(10_000),
};

/** A model run here, on worker threads. */
const localModel = {
  ...batching,
  /** Worker threads, each with its own copy of the model (about 100 MB each for MiniLM). */
  threads: z.number().int().positive().max(64).default(1),
  /** Longer texts are cut to this many tokens. */
  maxTokens: z.number().int().min(8).max(8192).default(256),
  /** `int8` quantizes the model's projections at load: about half the CPU of `fp32`, scores shift by about 0.01. */
  precision: z.enum(['fp32', 'int8']).default('int8'),
};

/**
 * How text becomes vectors for the semantic plugins (cache, routing, memory,
 * guardrails). `offline` needs nothing: a model installed with the gateway.
 * `provider` calls an embeddings model through the gateway's own routing.
 * `download` fetches a BERT sentence-embedding model (safetensors) from a
 * Hugging Face-style hub on first use and runs it here.
 */
export const embedderConfigSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('offline'), ...localModel }),
    z.strictObject({
      kind: z.literal('provider'),
      ...batching,
      /** The model (or route alias) requested, as a client would name it in `/v1/embeddings`. */
      model: z.string().min(1),
      /** The vectors' length: fixed here because stores are created before the first call. */
      dimensions: z.number().int().positive().max(16_384),
      /** Asked of models that can shorten their vectors (OpenAI text-embedding-3-*). */
      requestDimensions: z.boolean().default(false),
    }),
    z.strictObject({
      kind: z.literal('download'),
      ...localModel,
      /** Repository id on the hub, such as `BAAI/bge-small-en-v1.5`. */
      model: z.string().regex(/^(?!\.)[\w.-]+\/(?!\.)[\w.-]+$/, 'must be a repository id such as BAAI/bge-small-en-v1.5'),
      revision: z
        .string()
        .regex(/^(?!\.)[\w.-]+$/)
        .default('main'),
      dimensions: z.number().int().positive().max(16_384),
      hubUrl: z.url().default('https://huggingface.co'),
      /** Where downloaded models are kept (SWITCHYARD_MODEL_CACHE_DIR overrides). */
      cacheDirectory: z.string().min(1).default('.switchyard/models'),
      /** A hub token for gated models: a reference such as ${HF_TOKEN}. */
      token: z
        .string()
        .regex(/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, 'must be a reference to an environment variable, such as ${HF_TOKEN}')
        .optional(),
    }),
  ])
  .prefault({ kind: 'offline' });

export type EmbedderConfig = z.infer<typeof embedderConfigSchema>;
