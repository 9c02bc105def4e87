import { similarity, type Embedder, type TopicVerdict } from '@switchyard/shared';
import type { TopicDefinition } from '../guardrail-settings';

interface EmbeddedTopic {
  name: string;
  vectors: Float32Array[];
}

/**
 * Topic allow and deny lists by embedding similarity: a text is on a topic
 * when it is at least `threshold` similar to one of the topic's examples.
 * Denied: flagged on the closest denied topic. Allowed (when listed):
 * flagged when on none of them, naming the closest.
 */
export class TopicMatcher {
  private embedded?: Promise<{ deny: EmbeddedTopic[]; allow: EmbeddedTopic[] }>;

  constructor(
    private readonly embedder: () => Embedder,
    private readonly deny: readonly TopicDefinition[],
    private readonly allow: readonly TopicDefinition[],
    private readonly threshold: number,
  ) {}

  get empty(): boolean {
    return this.deny.length === 0 && this.allow.length === 0;
  }

  async check(text: string, signal?: AbortSignal): Promise<TopicVerdict> {
    if (this.empty) return { flagged: false, score: 0 };
    const topics = await this.embedTopics();
    const [vector] = await this.embedder().embed([text], signal);
    const denied = closest(vector, topics.deny);
    if (denied && denied.score >= this.threshold) return { flagged: true, topic: denied.name, score: round(denied.score) };
    const allowed = closest(vector, topics.allow);
    if (allowed) return { flagged: allowed.score < this.threshold, topic: allowed.name, score: round(allowed.score) };
    return { flagged: false, ...(denied ? { topic: denied.name } : {}), score: round(denied?.score ?? 0) };
  }

  private embedTopics(): Promise<{ deny: EmbeddedTopic[]; allow: EmbeddedTopic[] }> {
    this.embedded ??= (async () => {
      const embedder = this.embedder();
      const embed = async (topics: readonly TopicDefinition[]) =>
        Promise.all(topics.map(async (topic) => ({ name: topic.name, vectors: await embedder.embed(topic.examples) })));
      return { deny: await embed(this.deny), allow: await embed(this.allow) };
    })();
    this.embedded.catch(() => (this.embedded = undefined));
    return this.embedded;
  }
}

function closest(vector: Float32Array, topics: readonly EmbeddedTopic[]): { name: string; score: number } | undefined {
  let best: { name: string; score: number } | undefined;
  for (const topic of topics) {
    for (const example of topic.vectors) {
      const score = similarity(vector, example);
      if (!best || score > best.score) best = { name: topic.name, score };
    }
  }
  return best;
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
