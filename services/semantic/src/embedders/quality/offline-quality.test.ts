import path from 'node:path';
import { similarity } from '@switchyard/shared';
import { OFFLINE_SIMILARITY_THRESHOLD } from '../default-threshold';
import { createOfflineEmbedder } from '../offline/offline-embedder';
import type { LocalModelEmbedder } from '../local-model/local-model-embedder';
import { figuresAt, labelledPairs, type LabelledPair } from './labelled-pairs';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/semantic');

describe('offline embedder quality at the default threshold (STS-B dev + GPTCache pairs)', () => {
  let embedder: LocalModelEmbedder;
  const pairs = labelledPairs(FIXTURES);
  let scores: number[] = [];

  beforeAll(async () => {
    const texts = [...new Set(pairs.flatMap((pair) => [pair.a, pair.b]))];
    embedder = createOfflineEmbedder({ threads: 2, cacheSize: 0 });
    expect(embedder.id).toMatch(/int8$/);
    const vectors = await embedder.embed(texts);
    const byText = new Map(texts.map((text, index) => [text, vectors[index]]));
    scores = pairs.map((pair) => similarity(byText.get(pair.a)!, byText.get(pair.b)!));
    // Thousands of forward passes: minutes on a busy two-core machine.
  }, 900_000);

  afterAll(async () => {
    await embedder?.close();
  });

  function report(name: string, subset: (pair: LabelledPair) => boolean) {
    const indexes = pairs.map((_, index) => index).filter((index) => subset(pairs[index]));
    const figures = figuresAt(
      indexes.map((index) => scores[index]),
      indexes.map((index) => pairs[index]),
      OFFLINE_SIMILARITY_THRESHOLD,
    );
    const positives = indexes.filter((index) => pairs[index].same).length;
    process.stdout.write(
      `${name}: ${indexes.length} pairs (${positives} same), threshold ${OFFLINE_SIMILARITY_THRESHOLD}: ` +
        `precision ${figures.precision.toFixed(3)}, recall ${figures.recall.toFixed(3)} (${figures.falsePositives} false hits)\n`,
    );
    return figures;
  }

  it('holds precision ≥ 0.95 on all pairs together and on each set alone, reporting recall', () => {
    expect(pairs.filter((pair) => pair.source === 'stsb').length).toBeGreaterThan(800);
    expect(pairs.filter((pair) => pair.source === 'gptcache').length).toBe(1998);
    const all = report('all', () => true);
    const stsb = report('STS-B dev', (pair) => pair.source === 'stsb');
    const gptCache = report('GPTCache', (pair) => pair.source === 'gptcache');
    expect(all.precision).toBeGreaterThanOrEqual(0.95);
    expect(stsb.precision).toBeGreaterThanOrEqual(0.95);
    expect(gptCache.precision).toBeGreaterThanOrEqual(0.95);
    // Recall is what the threshold trades away: a cache that never hits is precise too.
    expect(all.recall).toBeGreaterThanOrEqual(0.85);
  });
});
