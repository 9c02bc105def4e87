import fs from 'node:fs';
import path from 'node:path';

/** Two texts and whether a semantic cache should treat them as the same question. */
export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  source: 'stsb' | 'gptcache';
}

/**
 * The labelled pairs the embedders (and the semantic cache's threshold) are
 * measured on, from the fixtures folder (`shared/fixtures/semantic`):
 * - STS Benchmark dev: positives score ≥ 4 (of 5), negatives < 2; the
 *   ambiguous middle is left out.
 * - GPTCache's mock data: each question and its paraphrase is a positive;
 *   each question with the paraphrase of the question half the list away
 *   is a negative (neighbours in the list share topics, so they are not used).
 */
export function labelledPairs(fixturesDirectory: string): LabelledPair[] {
  return [
    ...stsbPairs(path.join(fixturesDirectory, 'stsb', 'sts-dev.csv')),
    ...gptCachePairs(path.join(fixturesDirectory, 'gptcache-mock', 'mock_data.json')),
  ];
}

export function stsbPairs(file: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    // genre, file, year, id, score, sentence 1, sentence 2 (some lines carry extra source columns).
    const columns = line.split('\t');
    if (columns.length < 7) continue;
    const score = Number(columns[4]);
    if (!Number.isFinite(score)) continue;
    if (score >= 4) pairs.push({ a: columns[5], b: columns[6], same: true, source: 'stsb' });
    else if (score < 2) pairs.push({ a: columns[5], b: columns[6], same: false, source: 'stsb' });
  }
  return pairs;
}

export function gptCachePairs(file: string): LabelledPair[] {
  const items = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ origin: string; similar: string }>;
  const half = Math.floor(items.length / 2);
  return items.flatMap((item, index) => [
    { a: item.origin, b: item.similar, same: true, source: 'gptcache' as const },
    { a: item.origin, b: items[(index + half) % items.length].similar, same: false, source: 'gptcache' as const },
  ]);
}

export interface ThresholdFigures {
  threshold: number;
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** Precision and recall of "similarity ≥ threshold means the same question". */
export function figuresAt(scores: readonly number[], pairs: readonly LabelledPair[], threshold: number): ThresholdFigures {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  pairs.forEach((pair, index) => {
    const predicted = scores[index] >= threshold;
    if (predicted && pair.same) truePositives++;
    else if (predicted) falsePositives++;
    else if (pair.same) falseNegatives++;
  });
  const precision = truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives);
  const recall = truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives);
  return { threshold, precision, recall, truePositives, falsePositives, falseNegatives };
}
