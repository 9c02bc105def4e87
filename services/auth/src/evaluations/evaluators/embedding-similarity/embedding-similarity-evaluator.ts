import { allowOnly, expectedText, requiredString, type EvaluatorKind } from '../evaluator';

/**
 * `embedding_similarity`: the cosine similarity of the output's and the
 * expected output's embeddings (`model`, through the gateway's
 * `/v1/embeddings`), from -1 to 1. An item without an expected output has
 * no score (an error).
 */
export const embeddingSimilarityEvaluator: EvaluatorKind = {
  kind: 'embedding_similarity',
  parse(spec, field) {
    allowOnly(spec, field, ['model']);
    requiredString(spec, field, 'model', 200);
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    return {
      spec,
      async evaluate({ output, expectedOutput }, { gateway, signal }) {
        const expected = expectedText(expectedOutput);
        if (expected === undefined) throw new Error('The item has no expected output to compare with.');
        const [actual, wanted] = await gateway.embed(spec.model as string, [output, expected], signal);
        return { score: round(cosineSimilarity(actual, wanted)) };
      },
    };
  },
};

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`The embeddings differ in length (${a.length} and ${b.length}).`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index] * b[index];
    normA += a[index] * a[index];
    normB += b[index] * b[index];
  }
  if (normA === 0 || normB === 0) return 0;
  return dot / Math.sqrt(normA * normB);
}

/** Six decimals: a stable score to store and compare, free of float noise. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
