import { normalize, similarity, type Embedder } from '@switchyard/shared';

/** One intent, with the texts that define it. */
export interface IntentDefinition {
  name: string;
  target: string;
  /** Example utterances, and the description if there is one. */
  examples: readonly string[];
}

export type IntentMethod = 'centroid' | 'knn';

export interface IntentDecision {
  /** The nearest intent, whether or not it reached the threshold. */
  nearest: string;
  /** Its confidence: cosine similarity to the centroid, or the best of its neighbours' (knn). */
  score: number;
  /** Whether `score` reached the threshold. */
  confident: boolean;
  /** The intent's target when confident. */
  target?: string;
}

interface Example {
  intent: number;
  vector: Float32Array;
}

/**
 * Classifies texts by the intents they are nearest to. Built once from the
 * embeddings of every example; classifying is then one embedding and a scan
 * of the (few hundred at most) examples or centroids, so no store is needed.
 */
export class IntentIndex {
  private constructor(
    private readonly intents: readonly IntentDefinition[],
    private readonly examples: readonly Example[],
    private readonly centroids: readonly Float32Array[],
    private readonly method: IntentMethod,
    private readonly k: number,
    private readonly threshold: number,
  ) {}

  static async build(
    embedder: Embedder,
    intents: readonly IntentDefinition[],
    options: { method: IntentMethod; k: number; threshold: number },
    signal?: AbortSignal,
  ): Promise<IntentIndex> {
    const texts = intents.flatMap((intent) => intent.examples);
    const vectors = await embedder.embed(texts, signal);
    const examples: Example[] = [];
    let offset = 0;
    intents.forEach((intent, index) => {
      for (let count = 0; count < intent.examples.length; count++) examples.push({ intent: index, vector: vectors[offset++] });
    });
    const centroids = intents.map((_, index) => {
      const sum = new Float32Array(embedder.dimensions);
      for (const example of examples) {
        if (example.intent !== index) continue;
        for (let dimension = 0; dimension < sum.length; dimension++) sum[dimension] += example.vector[dimension];
      }
      return normalize(sum);
    });
    return new IntentIndex(intents, examples, centroids, options.method, options.k, options.threshold);
  }

  /** The decision for a unit vector (the embedding of the text to route). */
  classify(vector: Float32Array): IntentDecision {
    const { intent, score } = this.method === 'centroid' ? this.nearestCentroid(vector) : this.nearestByVote(vector);
    const definition = this.intents[intent];
    const confident = score >= this.threshold;
    return { nearest: definition.name, score, confident, ...(confident && { target: definition.target }) };
  }

  private nearestCentroid(vector: Float32Array): { intent: number; score: number } {
    let best = { intent: 0, score: -Infinity };
    this.centroids.forEach((centroid, intent) => {
      const score = similarity(vector, centroid);
      if (score > best.score) best = { intent, score };
    });
    return best;
  }

  /** The `k` nearest examples vote with their similarity; the winner's confidence is its best neighbour's score. */
  private nearestByVote(vector: Float32Array): { intent: number; score: number } {
    const neighbours = this.examples
      .map((example) => ({ intent: example.intent, score: similarity(vector, example.vector) }))
      .sort((left, right) => right.score - left.score)
      .slice(0, this.k);
    const votes = new Map<number, { weight: number; best: number }>();
    for (const neighbour of neighbours) {
      const vote = votes.get(neighbour.intent) ?? { weight: 0, best: -Infinity };
      // Negative similarities say "unlike", not "a little like": they add no weight.
      vote.weight += Math.max(neighbour.score, 0);
      vote.best = Math.max(vote.best, neighbour.score);
      votes.set(neighbour.intent, vote);
    }
    let winner = { intent: neighbours[0].intent, weight: -Infinity, score: neighbours[0].score };
    for (const [intent, vote] of votes) {
      if (vote.weight > winner.weight) winner = { intent, weight: vote.weight, score: vote.best };
    }
    return { intent: winner.intent, score: winner.score };
  }
}
