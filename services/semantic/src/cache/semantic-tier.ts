import { vectorNamespace, type Embedder, type VectorStore } from '@switchyard/shared';
import type { CachedAnswer } from './cached-answer';

/** Neighbours read per lookup: a few, so an expired nearest one does not hide a live one behind it. */
const CANDIDATES = 4;

export interface SemanticHit {
  answer: CachedAnswer;
  similarity: number;
}

/**
 * The semantic tier: prompts embedded and kept in the vector store, one
 * namespace per workspace and cache namespace; a record holds the scope
 * hash (everything but the prompt must match), the embedder's id (vectors
 * of two models never meet) and the answer.
 */
export class SemanticTier {
  constructor(
    private readonly embedder: () => Embedder,
    private readonly store: () => VectorStore,
    private readonly now: () => number = Date.now,
  ) {}

  async embed(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const [vector] = await this.embedder().embed([text], signal);
    return vector;
  }

  /** The most similar live answer at or above `threshold`, and ids of expired ones met on the way. */
  async lookup(
    workspace: string,
    namespace: string,
    scope: string,
    vector: Float32Array,
    threshold: number,
  ): Promise<{ hit?: SemanticHit; expired: string[] }> {
    const matches = await this.store().query(vectorNamespace(workspace, 'cache', namespace), vector, {
      k: CANDIDATES,
      minScore: threshold,
      where: { scope, embedder: this.embedder().id },
    });
    const expired: string[] = [];
    const now = this.now();
    for (const match of matches) {
      const expiresAt = Number(match.payload.expiresAt);
      if (!(expiresAt > now)) {
        expired.push(match.id);
        continue;
      }
      const response = JSON.parse(String(match.payload.response)) as CachedAnswer['response'];
      const answer: CachedAnswer = { response, storedAt: Number(match.payload.storedAt), expiresAt };
      return { hit: { answer, similarity: match.score }, expired };
    }
    return { expired };
  }

  async write(workspace: string, namespace: string, id: string, scope: string, vector: Float32Array, answer: CachedAnswer): Promise<void> {
    await this.store().upsert(vectorNamespace(workspace, 'cache', namespace), [
      {
        id,
        vector,
        payload: {
          scope,
          embedder: this.embedder().id,
          storedAt: answer.storedAt,
          expiresAt: answer.expiresAt,
          response: JSON.stringify(answer.response),
        },
      },
    ]);
  }

  async remove(workspace: string, namespace: string, ids: readonly string[]): Promise<void> {
    await this.store().delete(vectorNamespace(workspace, 'cache', namespace), ids);
  }

  async drop(workspace: string, namespace: string): Promise<void> {
    await this.store().drop(vectorNamespace(workspace, 'cache', namespace));
  }
}
