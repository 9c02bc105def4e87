/**
 * Scenario `vector-store`: what one nearest-neighbour query costs in the
 * vector stores, at 10,000 and 100,000 vectors of 384 dimensions (the size
 * of the small sentence-embedding models): the embedded HNSW store in
 * process, and Weaviate (SWITCHYARD_WEAVIATE_URL) when it answers. Each
 * query is timed on its own; recall@10 is measured against an exact scan.
 *
 * The vectors are synthetic: unit vectors around 200 seeded centres (as
 * embeddings of related prompts cluster), the queries drawn the same way.
 * Runs the built code (services/semantic/dist).
 */

import { performance } from 'node:perf_hooks';
import { normalize, type VectorStore } from '@switchyard/shared';
import { HnswVectorStore, WeaviateVectorStore } from '@switchyard/semantic';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, microsecondTable, table } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const DIMENSIONS = 384;
const SETTINGS = {
  full: { sizes: [10_000, 100_000], queries: 1_000, recallQueries: 100 },
  quick: { sizes: [10_000], queries: 200, recallQueries: 30 },
};
const WEAVIATE_URL = process.env.SWITCHYARD_WEAVIATE_URL ?? 'http://127.0.0.1:58080';
const WEAVIATE_GRPC_ADDRESS = process.env.SWITCHYARD_WEAVIATE_GRPC_ADDRESS ?? '127.0.0.1:58051';
/** `scripts/services.sh weaviate-api-key` prints the test server's. */
const WEAVIATE_API_KEY = process.env.SWITCHYARD_WEAVIATE_API_KEY;

/** mulberry32, so every run measures the same vectors. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function clustered(count: number, seed: number): Float32Array[] {
  const random = seeded(seed);
  const centreRandom = seeded(1);
  const gaussian = (source: () => number) => Math.sqrt(-2 * Math.log(1 - source())) * Math.cos(2 * Math.PI * source());
  const centres = Array.from({ length: 200 }, () => normalize(Float32Array.from({ length: DIMENSIONS }, () => gaussian(centreRandom))));
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(random() * centres.length)];
    return normalize(Float32Array.from(centre, (value) => value + 0.06 * gaussian(random)));
  });
}

function exactTop(vectors: Float32Array[], query: Float32Array, k: number): Set<string> {
  const scored = vectors.map((vector, index) => {
    let dot = 0;
    for (let at = 0; at < DIMENSIONS; at++) dot += vector[at] * query[at];
    return { id: `v${index}`, dot };
  });
  scored.sort((a, b) => b.dot - a.dot);
  return new Set(scored.slice(0, k).map((entry) => entry.id));
}

interface Measurement {
  store: string;
  size: number;
  loadSeconds: number;
  plain: LatencySummary;
  filtered: LatencySummary;
  recall: number;
}

async function measure(
  context: ScenarioContext,
  name: string,
  store: VectorStore,
  vectors: Float32Array[],
  queries: Float32Array[],
  recallQueries: number,
): Promise<Measurement> {
  const namespace = `bench:vectors:${name}:${vectors.length}:${Date.now()}`;
  const loadStarted = performance.now();
  for (let start = 0; start < vectors.length; start += 1_000) {
    const batch = vectors.slice(start, start + 1_000).map((vector, offset) => ({
      id: `v${start + offset}`,
      vector,
      // A tenth of the records pass the filtered query's `where`.
      payload: { model: (start + offset) % 10 === 0 ? 'gpt-4o' : 'other' },
    }));
    await store.upsert(namespace, batch);
    if (start % 10_000 === 0) context.progress(`${name}: ${integer(start)} of ${integer(vectors.length)} loaded`);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  await context.quiet.wait();
  const time = async (where?: Record<string, string>) => {
    const samples: number[] = [];
    for (const query of queries) {
      const started = process.hrtime.bigint();
      await store.query(namespace, query, { k: 10, ...(where && { where }) });
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return summarizeLatencies(samples);
  };
  await time(); // warm-up
  const plain = await time();
  const filtered = await time({ model: 'gpt-4o' });
  let found = 0;
  for (const query of queries.slice(0, recallQueries)) {
    const truth = exactTop(vectors, query, 10);
    found += (await store.query(namespace, query, { k: 10 })).filter((match) => truth.has(match.id)).length;
  }
  await store.drop(namespace);
  return { store: name, size: vectors.length, loadSeconds, plain, filtered, recall: found / (recallQueries * 10) };
}

async function weaviateAnswers(): Promise<boolean> {
  return fetch(new URL('/v1/.well-known/ready', WEAVIATE_URL), { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.status === 200,
    () => false,
  );
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const queries = clustered(settings.queries, 2);
  const withWeaviate = await weaviateAnswers();
  const results: Measurement[] = [];
  for (const size of settings.sizes) {
    const vectors = clustered(size, 3);
    const embedded = new HnswVectorStore();
    context.progress(`embedded: ${integer(size)} vectors`);
    results.push(await measure(context, 'embedded', embedded, vectors, queries, settings.recallQueries));
    await embedded.close();
    if (withWeaviate) {
      const weaviate = new WeaviateVectorStore({
        url: WEAVIATE_URL,
        grpcAddress: WEAVIATE_GRPC_ADDRESS,
        apiKey: WEAVIATE_API_KEY,
        collection: 'SwitchyardBench',
        timeoutMs: 120_000,
      });
      context.progress(`weaviate: ${integer(size)} vectors`);
      results.push(await measure(context, 'weaviate', weaviate, vectors, queries, settings.recallQueries));
      await weaviate.close();
    }
  }
  const lines = [
    '### Vector store queries',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- vector-store${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    `Nearest 10 of ${DIMENSIONS}-dimension unit vectors (synthetic, clustered), one query at a time, in microseconds; ` +
      '`filtered`: with a `where` that a tenth of the records pass. Embedded: the HNSW store in this process (m 16, ' +
      `efConstruction 100, efSearch 64). ${withWeaviate ? `Weaviate: ${WEAVIATE_URL} over gRPC.` : `Weaviate: not measured (nothing answered at ${WEAVIATE_URL}).`}`,
    '',
    microsecondTable(
      'store, vectors, query',
      results.flatMap((result) => [
        { name: `${result.store}, ${integer(result.size)}`, summary: result.plain },
        { name: `${result.store}, ${integer(result.size)}, filtered`, summary: result.filtered },
      ]),
    ),
    '',
    table(
      ['store', 'vectors', 'load (upserts of 1,000)', 'recall@10'],
      results.map((result) => [result.store, integer(result.size), `${result.loadSeconds.toFixed(1)} s`, `${(result.recall * 100).toFixed(1)} %`]),
    ),
  ];
  return { markdown: lines.join('\n') };
}

export const vectorStoreQuery: Scenario = {
  name: 'vector-store',
  summary: 'µs per nearest-neighbour query at 10k and 100k 384-d vectors, embedded HNSW and Weaviate',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
