/**
 * Scenario `cache-hit`: what answering from the response cache costs, in
 * process, the way the gateway's plugin pipeline calls it (`await
 * plugin.beforeRequest(context)` until it answers):
 *   - exact hit: the request's key hashed and found in the in-process LRU
 *     (target: adds ≤ 1 ms);
 *   - semantic hit: the prompt embedded by the offline embedder (a text it
 *     has not seen, so no embedding is reused) and the nearest stored prompt
 *     found in the embedded HNSW store among the GPTCache questions
 *     (target: ≤ 15 ms p99, embedding included).
 * Runs the built code (services/semantic/dist). Each call is timed on its
 * own; percentiles are nearest-rank.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ANONYMOUS_PRINCIPAL, configSchema, createLogger, type ChatRequest, type PluginContext, type PluginServices } from '@switchyard/shared';
import { createCachePlugin, createOfflineEmbedder, HnswVectorStore, type CachePlugin } from '@switchyard/semantic';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, microseconds, microsecondTable } from '../harness/markdown';
import { REPOSITORY_ROOT } from '../harness/paths';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { exactHits: 100_000, warmup: 10_000, semanticQueries: 999 },
  quick: { exactHits: 10_000, warmup: 1_000, semanticQueries: 100 },
};

const GPTCACHE_PAIRS = path.resolve(REPOSITORY_ROOT, '..', 'shared', 'fixtures', 'semantic', 'gptcache-mock', 'mock_data.json');

function request(prompt: string): ChatRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You answer questions about machine learning libraries.' },
      { role: 'user', content: [{ type: 'text', text: prompt }] },
    ],
    sampling: { temperature: 0 },
    stream: false,
    includeUsage: false,
  };
}

/** A context as the gateway makes one; deferred work is kept to be run when the caller says. */
function contextOf(prompt: string, deferred: Array<() => Promise<void>>, headers: Record<string, string> = {}): PluginContext {
  return {
    requestId: 'bench',
    workspace: 'bench',
    principal: { ...ANONYMOUS_PRINCIPAL, workspace: 'bench' },
    headers,
    request: request(prompt),
    streamed: false,
    signal: new AbortController().signal,
    state: new Map(),
    setHeader: () => undefined,
    annotate: () => undefined,
    defer: (work) => deferred.push(work),
  };
}

/** Stores `prompt`'s answer as after a provider's response. */
async function store(plugin: CachePlugin, prompt: string): Promise<void> {
  const deferred: Array<() => Promise<void>> = [];
  const context = contextOf(prompt, deferred, { 'x-switchyard-cache': 'refresh' });
  await plugin.beforeRequest(context);
  plugin.afterResponse(
    context,
    { id: 'bench', model: 'gpt-4o-mini', created: 0, choices: [{ index: 0, message: { content: prompt }, finishReason: 'stop' }] },
    { source: 'provider', providerId: 'openai', model: 'gpt-4o-mini', routePath: 'openai' },
  );
  for (const work of deferred) await work();
}

/** Times one lookup, in microseconds, and whether it answered. */
async function lookup(plugin: CachePlugin, prompt: string): Promise<{ micros: number; hit: boolean }> {
  const context = contextOf(prompt, []);
  const started = process.hrtime.bigint();
  const outcome = await plugin.beforeRequest(context);
  return { micros: Number(process.hrtime.bigint() - started) / 1000, hit: outcome?.kind === 'answer' };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const pairs = (JSON.parse(readFileSync(GPTCACHE_PAIRS, 'utf8')) as Array<{ origin: string; similar: string }>).slice(0, settings.semanticQueries);
  const embedder = createOfflineEmbedder({ threads: 1 });
  const vectors = new HnswVectorStore();
  const services: PluginServices = {
    config: configSchema.parse({ cache: { mode: 'semantic' } }),
    logger: createLogger('bench', 'silent'),
    embedder: () => embedder,
    vectorStore: () => vectors,
    guardrails: () => {
      throw new Error('the cache uses no guardrails');
    },
  };
  const plugin = createCachePlugin(services)!;
  const rows: { name: string; summary: LatencySummary }[] = [];
  let semanticHits = 0;
  try {
    context.progress(`storing ${integer(pairs.length)} answers (embedding their questions)`);
    for (const pair of pairs) await store(plugin, pair.origin);

    await context.quiet.wait();
    context.progress(`exact hits: ${integer(settings.warmup)} warm-up, ${integer(settings.exactHits)} measured`);
    const exact: number[] = [];
    for (let index = 0; index < settings.warmup + settings.exactHits; index += 1) {
      const { micros, hit } = await lookup(plugin, pairs[index % pairs.length].origin);
      if (!hit) throw new Error('an exact lookup missed');
      if (index >= settings.warmup) exact.push(micros);
    }
    rows.push({ name: 'exact hit (in-process LRU)', summary: summarizeLatencies(exact) });

    context.progress(`semantic lookups: ${integer(pairs.length)} paraphrases, each embedded`);
    const semantic: number[] = [];
    const semanticHitTimes: number[] = [];
    for (const pair of pairs) {
      const { micros, hit } = await lookup(plugin, pair.similar);
      semantic.push(micros);
      if (hit) {
        semanticHits += 1;
        semanticHitTimes.push(micros);
      }
    }
    rows.push({ name: 'semantic hit (embed + HNSW query)', summary: summarizeLatencies(semanticHitTimes) });
    rows.push({ name: 'semantic lookup, hit or miss', summary: summarizeLatencies(semantic) });
  } finally {
    await plugin.close();
    await vectors.close();
    await embedder.close();
  }
  const exactP99Ms = rows[0].summary.p99 / 1000;
  const semanticP99Ms = rows[1].summary.p99 / 1000;
  const lines = [
    '### Response cache hits',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- cache-hit${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    "The cache plugin's `beforeRequest` awaited in one process, each call timed on its own, in microseconds. " +
      `${integer(pairs.length)} GPTCache questions stored; their paraphrases asked (${integer(semanticHits)} semantic hits at the default threshold). ` +
      'A semantic lookup embeds the prompt with the offline embedder (one worker thread) and queries the embedded HNSW store.',
    '',
    microsecondTable('case', rows),
    '',
    `Exact hit p99: ${microseconds(rows[0].summary.p99)} µs (target ≤ 1 ms): ${exactP99Ms <= 1 ? 'met' : 'NOT met'}. ` +
      `Semantic hit p99: ${semanticP99Ms.toFixed(2)} ms (target ≤ 15 ms): ${semanticP99Ms <= 15 ? 'met' : 'NOT met'}.`,
  ];
  return { markdown: lines.join('\n') };
}

export const cacheHit: Scenario = {
  name: 'cache-hit',
  summary: 'µs per response-cache hit: exact (target ≤ 1 ms), semantic with embedding (target ≤ 15 ms p99)',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
