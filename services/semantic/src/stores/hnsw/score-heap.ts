/**
 * A binary heap of (node, score) pairs: `max` keeps the best score on top
 * (candidates to explore), `min` the worst (the result set, whose worst is
 * evicted first).
 */
export class ScoreHeap {
  private nodes: number[] = [];
  private scores: number[] = [];

  constructor(private readonly order: 'max' | 'min') {}

  get size(): number {
    return this.nodes.length;
  }

  /** The node on top; undefined when empty. */
  peekNode(): number | undefined {
    return this.nodes[0];
  }

  peekScore(): number {
    return this.scores[0];
  }

  push(node: number, score: number): void {
    this.nodes.push(node);
    this.scores.push(score);
    let index = this.nodes.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.above(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  /** Removes the top; returns its node (undefined when empty). */
  pop(): number | undefined {
    const top = this.nodes[0];
    const lastNode = this.nodes.pop();
    const lastScore = this.scores.pop();
    if (this.nodes.length === 0 || lastNode === undefined || lastScore === undefined) return top;
    this.nodes[0] = lastNode;
    this.scores[0] = lastScore;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let chosen = index;
      if (left < this.nodes.length && this.above(left, chosen)) chosen = left;
      if (right < this.nodes.length && this.above(right, chosen)) chosen = right;
      if (chosen === index) break;
      this.swap(index, chosen);
      index = chosen;
    }
    return top;
  }

  /** Every (node, score), best score first; the heap is left empty. */
  drainBestFirst(): { nodes: number[]; scores: number[] } {
    const pairs = this.nodes.map((node, index) => ({ node, score: this.scores[index] }));
    pairs.sort((a, b) => b.score - a.score);
    this.nodes = [];
    this.scores = [];
    return { nodes: pairs.map((pair) => pair.node), scores: pairs.map((pair) => pair.score) };
  }

  private above(a: number, b: number): boolean {
    return this.order === 'max' ? this.scores[a] > this.scores[b] : this.scores[a] < this.scores[b];
  }

  private swap(a: number, b: number): void {
    const node = this.nodes[a];
    this.nodes[a] = this.nodes[b];
    this.nodes[b] = node;
    const score = this.scores[a];
    this.scores[a] = this.scores[b];
    this.scores[b] = score;
  }
}
