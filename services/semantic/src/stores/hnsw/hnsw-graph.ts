import { ScoreHeap } from './score-heap';

/**
 * A Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016) over
 * unit vectors, scored by dot product (cosine similarity). Pure data and
 * arithmetic, no I/O: the store (hnsw-vector-store.ts) maps record ids to
 * node numbers and persists the parts (`toParts` / `fromParts`).
 *
 * Removal leaves a tombstone: the node still routes searches but is never
 * returned. The store rebuilds the graph once tombstones pile up, which keeps
 * the graph's quality without the repair logic true deletion needs.
 */

export interface HnswGraphOptions {
  /** Links per node on the upper layers (twice this on layer 0). */
  m: number;
  /** Breadth of the search that picks a new node's links. */
  efConstruction: number;
  /** Uniform in [0, 1): injected so tests build the same graph every run. */
  random: () => number;
}

export const DEFAULT_GRAPH_OPTIONS: Omit<HnswGraphOptions, 'random'> = { m: 16, efConstruction: 100 };

/** Everything a graph is, as flat arrays (for a snapshot file). */
export interface HnswGraphParts {
  dimensions: number;
  count: number;
  entry: number;
  maxLevel: number;
  levels: Uint8Array;
  deleted: Uint8Array;
  /** `count × dimensions` numbers. */
  vectors: Float32Array;
  /** Per node, per level from 0: the number of links, then the links. */
  links: Int32Array;
}

const MAX_LEVEL = 16;

export class HnswGraph {
  private vectors: Float32Array;
  private levels: Uint8Array;
  private deletedMarks: Uint8Array;
  private links: number[][][] = [];
  private visited: Uint32Array;
  private visitEpoch = 0;
  private count = 0;
  private deletedCount = 0;
  private entry = -1;
  private maxLevel = -1;
  private readonly levelScale: number;

  constructor(
    readonly dimensions: number,
    private readonly options: HnswGraphOptions,
    capacity = 1024,
  ) {
    this.vectors = new Float32Array(capacity * dimensions);
    this.levels = new Uint8Array(capacity);
    this.deletedMarks = new Uint8Array(capacity);
    this.visited = new Uint32Array(capacity);
    this.levelScale = 1 / Math.log(Math.max(2, options.m));
  }

  /** Nodes ever inserted, tombstones included. */
  get size(): number {
    return this.count;
  }

  get tombstones(): number {
    return this.deletedCount;
  }

  get live(): number {
    return this.count - this.deletedCount;
  }

  isDeleted(node: number): boolean {
    return this.deletedMarks[node] === 1;
  }

  /** A view of a node's stored vector (do not modify). */
  vector(node: number): Float32Array {
    return this.vectors.subarray(node * this.dimensions, (node + 1) * this.dimensions);
  }

  /** Adds a vector (copied); returns its node number. */
  insert(vector: Float32Array): number {
    if (vector.length !== this.dimensions) throw new Error(`a vector of ${vector.length} numbers in a graph of ${this.dimensions}`);
    const node = this.count;
    this.ensureCapacity(node + 1);
    this.vectors.set(vector, node * this.dimensions);
    this.count++;
    const level = Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - this.options.random()) * this.levelScale));
    this.levels[node] = level;
    this.links[node] = Array.from({ length: level + 1 }, () => []);
    if (this.entry === -1) {
      this.entry = node;
      this.maxLevel = level;
      return node;
    }
    const query = this.vector(node);
    let entry = this.entry;
    let entryScore = this.score(query, entry);
    for (let layer = this.maxLevel; layer > level; layer--) [entry, entryScore] = this.greedy(query, entry, entryScore, layer);
    for (let layer = Math.min(level, this.maxLevel); layer >= 0; layer--) {
      const found = this.searchLayer(query, entry, entryScore, this.options.efConstruction, layer, undefined);
      const chosen = this.selectNeighbours(found.nodes, found.scores, this.options.m);
      this.links[node][layer] = chosen;
      for (const neighbour of chosen) this.link(neighbour, node, layer);
      entry = found.nodes[0];
      entryScore = found.scores[0];
    }
    if (level > this.maxLevel) {
      this.entry = node;
      this.maxLevel = level;
    }
    return node;
  }

  /** Marks a node removed: it keeps routing searches but is never returned. */
  remove(node: number): void {
    if (node < 0 || node >= this.count || this.deletedMarks[node] === 1) return;
    this.deletedMarks[node] = 1;
    this.deletedCount++;
  }

  /**
   * The `k` best live nodes that `accept` lets through, best first, searched
   * with a result list `ef` long (larger: better recall, slower).
   */
  search(query: Float32Array, k: number, ef: number, accept?: (node: number) => boolean): { nodes: number[]; scores: number[] } {
    if (this.entry === -1 || k <= 0) return { nodes: [], scores: [] };
    let entry = this.entry;
    let entryScore = this.score(query, entry);
    for (let layer = this.maxLevel; layer > 0; layer--) [entry, entryScore] = this.greedy(query, entry, entryScore, layer);
    const keep = (node: number) => this.deletedMarks[node] === 0 && (accept === undefined || accept(node));
    const found = this.searchLayer(query, entry, entryScore, Math.max(ef, k), 0, keep);
    return { nodes: found.nodes.slice(0, k), scores: found.scores.slice(0, k) };
  }

  toParts(): HnswGraphParts {
    let total = 0;
    for (let node = 0; node < this.count; node++) for (const list of this.links[node]) total += 1 + list.length;
    const links = new Int32Array(total);
    let offset = 0;
    for (let node = 0; node < this.count; node++) {
      for (const list of this.links[node]) {
        links[offset++] = list.length;
        for (const neighbour of list) links[offset++] = neighbour;
      }
    }
    return {
      dimensions: this.dimensions,
      count: this.count,
      entry: this.entry,
      maxLevel: this.maxLevel,
      levels: this.levels.slice(0, this.count),
      deleted: this.deletedMarks.slice(0, this.count),
      vectors: this.vectors.slice(0, this.count * this.dimensions),
      links,
    };
  }

  static fromParts(parts: HnswGraphParts, options: HnswGraphOptions): HnswGraph {
    const graph = new HnswGraph(parts.dimensions, options, Math.max(1024, parts.count));
    graph.vectors.set(parts.vectors);
    graph.levels.set(parts.levels);
    graph.deletedMarks.set(parts.deleted);
    graph.count = parts.count;
    graph.entry = parts.entry;
    graph.maxLevel = parts.maxLevel;
    let offset = 0;
    for (let node = 0; node < parts.count; node++) {
      if (parts.deleted[node] === 1) graph.deletedCount++;
      const lists: number[][] = [];
      for (let layer = 0; layer <= parts.levels[node]; layer++) {
        const length = parts.links[offset++];
        lists.push(Array.from(parts.links.subarray(offset, offset + length)));
        offset += length;
      }
      graph.links[node] = lists;
    }
    if (offset !== parts.links.length) throw new Error('the graph links do not match its nodes');
    return graph;
  }

  private score(query: Float32Array, node: number): number {
    return dotAt(query, this.vectors, node * this.dimensions);
  }

  private scoreNodes(a: number, b: number): number {
    return this.score(this.vector(a), b);
  }

  /** Moves to the best neighbour on one layer until none is better. */
  private greedy(query: Float32Array, entry: number, entryScore: number, layer: number): [number, number] {
    let improved = true;
    while (improved) {
      improved = false;
      for (const neighbour of this.links[entry][layer] ?? []) {
        const score = this.score(query, neighbour);
        if (score > entryScore) {
          entry = neighbour;
          entryScore = score;
          improved = true;
        }
      }
    }
    return [entry, entryScore];
  }

  /** The `ef` best nodes found from `entry` on one layer, best first; `accept` narrows what is kept (not what is walked). */
  private searchLayer(
    query: Float32Array,
    entry: number,
    entryScore: number,
    ef: number,
    layer: number,
    accept: ((node: number) => boolean) | undefined,
  ): { nodes: number[]; scores: number[] } {
    const epoch = this.nextEpoch();
    const candidates = new ScoreHeap('max');
    const results = new ScoreHeap('min');
    this.visited[entry] = epoch;
    candidates.push(entry, entryScore);
    if (accept === undefined || accept(entry)) results.push(entry, entryScore);
    let worst = results.size > 0 ? results.peekScore() : -Infinity;
    while (candidates.size > 0) {
      const candidateScore = candidates.peekScore();
      if (results.size >= ef && candidateScore < worst) break;
      const candidate = candidates.pop() as number;
      for (const neighbour of this.links[candidate][layer] ?? []) {
        if (this.visited[neighbour] === epoch) continue;
        this.visited[neighbour] = epoch;
        const score = this.score(query, neighbour);
        if (results.size < ef || score > worst) {
          candidates.push(neighbour, score);
          if (accept === undefined || accept(neighbour)) {
            results.push(neighbour, score);
            if (results.size > ef) results.pop();
            worst = results.peekScore();
          }
        }
      }
    }
    return results.drainBestFirst();
  }

  /**
   * The paper's neighbour heuristic: a candidate is kept only when it is
   * closer to the new node than to every one kept before it, which spreads
   * links in all directions (and keeps clusters connected).
   */
  private selectNeighbours(nodes: number[], scores: number[], limit: number): number[] {
    const chosen: number[] = [];
    for (let index = 0; index < nodes.length && chosen.length < limit; index++) {
      const candidate = nodes[index];
      let diverse = true;
      for (const kept of chosen) {
        if (this.scoreNodes(candidate, kept) > scores[index]) {
          diverse = false;
          break;
        }
      }
      if (diverse) chosen.push(candidate);
    }
    return chosen;
  }

  /** Adds `node` to `from`'s links on a layer, pruning them with the heuristic when over the limit. */
  private link(from: number, node: number, layer: number): void {
    const list = this.links[from][layer];
    const limit = layer === 0 ? 2 * this.options.m : this.options.m;
    list.push(node);
    if (list.length <= limit) return;
    const fromVector = this.vector(from);
    const scored = list.map((neighbour) => ({ neighbour, score: this.score(fromVector, neighbour) }));
    scored.sort((a, b) => b.score - a.score);
    this.links[from][layer] = this.selectNeighbours(
      scored.map((entry) => entry.neighbour),
      scored.map((entry) => entry.score),
      limit,
    );
  }

  private nextEpoch(): number {
    this.visitEpoch++;
    if (this.visitEpoch === 0xffffffff) {
      this.visited.fill(0);
      this.visitEpoch = 1;
    }
    return this.visitEpoch;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.levels.length) return;
    const capacity = Math.max(needed, this.levels.length * 2);
    const vectors = new Float32Array(capacity * this.dimensions);
    vectors.set(this.vectors);
    this.vectors = vectors;
    const levels = new Uint8Array(capacity);
    levels.set(this.levels);
    this.levels = levels;
    const deleted = new Uint8Array(capacity);
    deleted.set(this.deletedMarks);
    this.deletedMarks = deleted;
    this.visited = new Uint32Array(capacity);
    this.visitEpoch = 0;
  }
}

/**
 * The dot product of `query` and the vector stored at `offset` of `vectors`:
 * four sums at a time, which V8 runs about twice as fast as one (the hot loop
 * of every insert and query).
 */
export function dotAt(query: Float32Array, vectors: Float32Array, offset: number): number {
  const length = query.length;
  const whole = length - (length % 4);
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let index = 0;
  for (; index < whole; index += 4) {
    sum0 += query[index] * vectors[offset + index];
    sum1 += query[index + 1] * vectors[offset + index + 1];
    sum2 += query[index + 2] * vectors[offset + index + 2];
    sum3 += query[index + 3] * vectors[offset + index + 3];
  }
  for (; index < length; index++) sum0 += query[index] * vectors[offset + index];
  return sum0 + sum1 + sum2 + sum3;
}

/** A seeded uniform generator in [0, 1) (mulberry32): the same seed, the same graph. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
