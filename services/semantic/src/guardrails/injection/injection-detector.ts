import { similarity, type Embedder } from '@switchyard/shared';
import type { InjectionExample } from './injection-corpus';
import { injectionHeuristicScore } from './injection-heuristics';

/** How many nearest examples vote. */
const NEIGHBOURS = 5;
/** Texts longer than this are scored window by window (an attack hides in a long document): the best window counts. */
const WINDOW_CHARACTERS = 600;
/** At most this many windows are embedded: the first and last ones (where injected text usually sits). */
const MAX_WINDOWS = 8;
const EMBED_BATCH = 64;
/** Similarity to a known attack from which the vote counts in full. */
const NEAR_ENOUGH = 0.6;

export interface Neighbour {
  score: number;
  attack: boolean;
}

/**
 * The kNN score of one text from its nearest examples: the similarity-weighted
 * share of attacks among them, scaled by how close the nearest attack is (a
 * text far from every example says little).
 */
export function knnInjectionScore(neighbours: readonly Neighbour[]): number {
  let attackWeight = 0;
  let totalWeight = 0;
  let nearestAttack = 0;
  for (const neighbour of neighbours) {
    const weight = Math.max(0, neighbour.score);
    totalWeight += weight;
    if (neighbour.attack) {
      attackWeight += weight;
      nearestAttack = Math.max(nearestAttack, weight);
    }
  }
  if (totalWeight === 0) return 0;
  return (attackWeight / totalWeight) * Math.min(1, nearestAttack / NEAR_ENOUGH);
}

export interface InjectionScore {
  score: number;
  heuristic: number;
  knn: number;
}

/**
 * Prompt-injection detection: phrasing heuristics, and a vote of the nearest
 * known attacks and ordinary requests by embedding. The index is built on
 * first use (the corpus embedded once per process).
 */
export class InjectionDetector {
  private index?: Promise<{ vectors: Float32Array[]; attack: boolean[] }>;

  constructor(
    private readonly examples: readonly InjectionExample[],
    private readonly embedder?: () => Embedder,
  ) {}

  async score(text: string, signal?: AbortSignal): Promise<InjectionScore> {
    const heuristic = injectionHeuristicScore(text);
    const knn = this.embedder && this.examples.length > 0 ? await this.knnScore(text, signal) : 0;
    return { score: Math.max(heuristic, knn), heuristic, knn };
  }

  private async knnScore(text: string, signal?: AbortSignal): Promise<number> {
    const index = await this.buildIndex();
    const vectors = await this.embedder!().embed(windowsOf(text), signal);
    let best = 0;
    for (const vector of vectors) {
      const neighbours: Neighbour[] = [];
      for (let position = 0; position < index.vectors.length; position++) {
        const score = similarity(vector, index.vectors[position]);
        if (neighbours.length < NEIGHBOURS || score > neighbours[neighbours.length - 1].score) {
          neighbours.push({ score, attack: index.attack[position] });
          neighbours.sort((a, b) => b.score - a.score);
          if (neighbours.length > NEIGHBOURS) neighbours.pop();
        }
      }
      best = Math.max(best, knnInjectionScore(neighbours));
    }
    return best;
  }

  private buildIndex(): Promise<{ vectors: Float32Array[]; attack: boolean[] }> {
    this.index ??= (async () => {
      const embedder = this.embedder!();
      const vectors: Float32Array[] = [];
      for (let start = 0; start < this.examples.length; start += EMBED_BATCH) {
        vectors.push(...(await embedder.embed(this.examples.slice(start, start + EMBED_BATCH).map((example) => example.text))));
      }
      return { vectors, attack: this.examples.map((example) => example.attack) };
    })();
    // A failed build is retried on the next call rather than remembered.
    this.index.catch(() => (this.index = undefined));
    return this.index;
  }
}

/** The text as one window, or as windows cut at sentence ends when long. */
export function windowsOf(text: string): string[] {
  if (text.length <= WINDOW_CHARACTERS) return [text];
  const windows: string[] = [];
  let current = '';
  for (const sentence of text.split(/(?<=[.!?\n])\s+/)) {
    if (current && current.length + sentence.length > WINDOW_CHARACTERS) {
      windows.push(current);
      current = '';
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) windows.push(current);
  if (windows.length <= MAX_WINDOWS) return windows;
  return [...windows.slice(0, MAX_WINDOWS / 2), ...windows.slice(-MAX_WINDOWS / 2)];
}
