import path from 'node:path';
import pino from 'pino';
import { configSchema, DEFAULT_CACHE_THRESHOLD, type BeforeOutcome, type PluginServices } from '@switchyard/shared';
import { createOfflineEmbedder, gptCachePairs, OFFLINE_SIMILARITY_THRESHOLD, stsbPairs, type LabelledPair } from '../embedders';
import type { LocalModelEmbedder } from '../embedders';
import { HnswVectorStore } from '../stores';
import { createCachePlugin } from '.';
import type { CachePlugin } from './cache-plugin';
import { chatRequest, chatResponse, PROVIDER_OUTCOME, recordingContext } from './__fixtures__/plugin-context-for-tests';

/**
 * The semantic cache's precision at its default threshold, measured through
 * the plugin with the real offline embedder and the embedded HNSW store, on
 * STS-B dev (same: score ≥ 4, different: < 2) and the GPTCache
 * question/paraphrase pairs (shared/fixtures/semantic). Two ways:
 *
 * - pairs: each pair's first question stored in a cache namespace of its
 *   own, its second asked there: a hit on a pair labelled the same is right,
 *   any other hit false. This is the acceptance figure.
 * - pool: every first question of a set stored in one namespace, every
 *   second asked against all of them, as a busy cache is: a hit is right only
 *   when it returns the answer of a question labelled the same as the asked
 *   one. Stricter (near-duplicate captions of STS-B meet each other), so it
 *   is reported, over a range of thresholds, to choose a workspace's own.
 *
 * Each question is asked once with the lowest threshold of the sweep and its
 * nearest stored question kept: a higher threshold only turns hits into misses.
 */

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/semantic');
const SWEEP = [0.75, 0.8, 0.85, 0.9, 0.95];

interface Answer {
  same: boolean;
  /** The nearest stored question's similarity and whether its answer is a right one; absent: nothing above the sweep's floor. */
  similarity?: number;
  right?: boolean;
}

interface Figures {
  precision: number;
  recall: number;
  hits: number;
}

function figuresAt(answers: readonly Answer[], threshold: number): Figures {
  const hits = answers.filter((answer) => answer.similarity !== undefined && answer.similarity >= threshold);
  const right = hits.filter((answer) => answer.right).length;
  const same = answers.filter((answer) => answer.same).length;
  return { hits: hits.length, precision: hits.length === 0 ? 1 : right / hits.length, recall: same === 0 ? 1 : right / same };
}

describe(`semantic cache precision at the default threshold (${DEFAULT_CACHE_THRESHOLD})`, () => {
  let embedder: LocalModelEmbedder;
  let plugin: CachePlugin;
  const sets: Record<string, LabelledPair[]> = {
    'STS-B dev': stsbPairs(path.join(FIXTURES, 'stsb', 'sts-dev.csv')),
    GPTCache: gptCachePairs(path.join(FIXTURES, 'gptcache-mock', 'mock_data.json')),
  };
  const results = new Map<string, Answer[]>();

  async function store(question: string, namespace: string): Promise<void> {
    // `refresh`: stored without a lookup (the sets hold near-duplicate first questions).
    const context = recordingContext({
      request: chatRequest(question),
      headers: { 'x-switchyard-cache-namespace': namespace, 'x-switchyard-cache': 'refresh' },
    });
    if (await plugin.beforeRequest(context)) throw new Error(`storing "${question}" was answered`);
    plugin.afterResponse(context, chatResponse(question), PROVIDER_OUTCOME);
    await context.settle();
  }

  async function ask(question: string, namespace: string): Promise<{ similarity?: number; answered?: string }> {
    const context = recordingContext({
      request: chatRequest(question),
      headers: { 'x-switchyard-cache-namespace': namespace, 'x-switchyard-cache-threshold': String(SWEEP[0]) },
    });
    const outcome = (await plugin.beforeRequest(context)) as BeforeOutcome | undefined;
    if (outcome?.kind !== 'answer') return {};
    const similarity = Number(context.responseHeaders.get('x-switchyard-cache-similarity') ?? '1');
    return { similarity, answered: outcome.answer.response.choices[0].message.content ?? '' };
  }

  beforeAll(async () => {
    const texts = [...new Set(Object.values(sets).flatMap((pairs) => pairs.flatMap((pair) => [pair.a, pair.b])))];
    embedder = createOfflineEmbedder({ threads: 2, cacheSize: texts.length + 100 });
    // One batch call up front (the embedder's own LRU then answers the plugin's calls): thousands of
    // forward passes take minutes on a busy two-core machine, in batches far less than one by one.
    await embedder.embed(texts);
    const vectors = new HnswVectorStore();
    const services: PluginServices = {
      config: configSchema.parse({ cache: { mode: 'semantic' } }),
      logger: pino({ enabled: false }),
      embedder: () => embedder,
      vectorStore: () => vectors,
      guardrails: () => {
        throw new Error('the cache uses no guardrails');
      },
    };
    plugin = createCachePlugin(services)!;

    for (const [name, pairs] of Object.entries(sets)) {
      const pairwise: Answer[] = [];
      for (const [index, pair] of pairs.entries()) {
        await store(pair.a, `pair-${name.length}-${index}`);
        const { similarity } = await ask(pair.b, `pair-${name.length}-${index}`);
        pairwise.push({ same: pair.same, similarity, right: pair.same });
      }
      results.set(`${name}, pairs`, pairwise);

      const pool = `pool-${name.length}`;
      const sameAs = new Set(pairs.filter((pair) => pair.same).flatMap((pair) => [`${pair.a}\n${pair.b}`, `${pair.b}\n${pair.a}`]));
      for (const question of new Set(pairs.map((pair) => pair.a))) await store(question, pool);
      const pooled: Answer[] = [];
      for (const pair of pairs.filter((candidate) => candidate.same || candidate.source === 'stsb')) {
        const { similarity, answered } = await ask(pair.b, pool);
        pooled.push({ same: pair.same, similarity, right: answered !== undefined && sameAs.has(`${answered}\n${pair.b}`) });
      }
      results.set(`${name}, pool`, pooled);
    }
    const lines = ['| measurement | asked (same) | ' + SWEEP.map((threshold) => `${threshold}: precision / recall / hits`).join(' | ') + ' |'];
    for (const [name, answers] of results) {
      const cells = SWEEP.map((threshold) => {
        const figures = figuresAt(answers, threshold);
        return `${figures.precision.toFixed(3)} / ${figures.recall.toFixed(3)} / ${figures.hits}`;
      });
      lines.push(`| ${name} | ${answers.length} (${answers.filter((answer) => answer.same).length}) | ${cells.join(' | ')} |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }, 1_800_000);

  afterAll(async () => {
    await plugin?.close();
    await embedder?.close();
  });

  it('uses the threshold measured for the offline embedder', () => {
    expect(DEFAULT_CACHE_THRESHOLD).toBe(OFFLINE_SIMILARITY_THRESHOLD);
  });

  it.each(['STS-B dev', 'GPTCache'])('holds precision ≥ 0.95 on the %s pairs, with recall above one half', (name) => {
    const figures = figuresAt(results.get(`${name}, pairs`)!, DEFAULT_CACHE_THRESHOLD);
    expect(figures.precision).toBeGreaterThanOrEqual(0.95);
    expect(figures.recall).toBeGreaterThan(0.5);
  });

  it('answers the GPTCache paraphrases from a pool of every stored question with precision ≥ 0.9', () => {
    const figures = figuresAt(results.get('GPTCache, pool')!, DEFAULT_CACHE_THRESHOLD);
    expect(figures.precision).toBeGreaterThanOrEqual(0.9);
    expect(figures.recall).toBeGreaterThan(0.5);
  });
});
