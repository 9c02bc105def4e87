import { similarity, type Embedder } from '@switchyard/shared';
import type { InjectionExample } from './injection-corpus';
import { injectionHeuristicScore } from './injection-heuristics';

/** How many nearest examples vote. */
const NEIGHBOURS = 5;
/** Texts longer than this are scored window by window (an attack hides in a long document): the best window counts. */
const WINDOW_CHARACTERS = 600;
/** At most this many windows are embedded: the first and last ones (where injected text usually sits). */
const MAX_WINDOWS = 8;
/** Small batches: a close waits for the one under way. */
const EMBED_BATCH = 16;
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
 * known attacks and ordinary requests by embedding. The index (the corpus
 * embedded once per process) is built in the background from the first
 * check on: requests never wait for it, and are scored by the heuristics
 * alone until it is ready.
 */
export class InjectionDetector {
  private index?: { vectors: Float32Array[]; attack: boolean[] };
  private building?: Promise<void>;
  private readonly stop = new AbortController();

  constructor(
    private readonly examples: readonly InjectionExample[],
    private readonly embedder?: () => Embedder,
  ) {}

  /** Whether the kNN index is built (scores include the vote). */
  get indexed(): boolean {
    return this.index !== undefined;
  }

  async score(text: string, signal?: AbortSignal): Promise<InjectionScore> {
    const heuristic = injectionHeuristicScore(text);
    if (!this.index) {
      void this.ready().catch(() => undefined);
      return { score: heuristic, heuristic, knn: 0 };
    }
    const knn = await this.knnScore(this.index, text, signal);
    return { score: Math.max(heuristic, knn), heuristic, knn };
  }

  /** Starts the index build when it has not started; resolves once built (at once without an embedder). */
  ready(): Promise<void> {
    if (!this.embedder || this.examples.length === 0 || this.index) return Promise.resolve();
    this.building ??= this.build().catch((error: unknown) => {
      // A failed build is retried on the next check rather than remembered.
      this.building = undefined;
      throw error;
    });
    return this.building;
  }

  /** Stops a build under way after its current batch (the embedder may be closed next). */
  async close(): Promise<void> {
    this.stop.abort();
    await this.building?.catch(() => undefined);
  }

  private async build(): Promise<void> {
    const embedder = this.embedder!();
    const vectors: Float32Array[] = [];
    for (let start = 0; start < this.examples.length; start += EMBED_BATCH) {
      if (this.stop.signal.aborted) throw new Error('the injection index build was stopped');
      const batch = this.examples.slice(start, start + EMBED_BATCH).map((example) => example.text);
      vectors.push(...(await embedder.embed(batch)));
    }
    this.index = { vectors, attack: this.examples.map((example) => example.attack) };
  }

  private async knnScore(index: { vectors: Float32Array[]; attack: boolean[] }, text: string, signal?: AbortSignal): Promise<number> {
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
