import { normalize } from '@switchyard/shared';
import { HnswGraph, seededRandom } from './hnsw-graph';

/** Unit vectors around a few centres (as sentence embeddings cluster), from a seeded generator. */
function clusteredVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 20 }, () => normalize(Float32Array.from({ length: dimensions }, gaussian)));
  return Array.from({ length: count }, (_, index) => {
    const centre = centres[index % centres.length];
    return normalize(Float32Array.from(centre, (value) => value + ((0.35 * gaussian()) / Math.sqrt(dimensions)) * 4));
  });
}

function exactTop(vectors: Float32Array[], query: Float32Array, k: number, skip: (index: number) => boolean): number[] {
  return vectors
    .map((vector, index) => ({ index, score: vector.reduce((sum, value, at) => sum + value * query[at], 0) }))
    .filter((entry) => !skip(entry.index))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((entry) => entry.index);
}

describe('HnswGraph', () => {
  const dimensions = 48;
  const vectors = clusteredVectors(3_000, dimensions, 7);
  const queries = clusteredVectors(60, dimensions, 99);
  let graph: HnswGraph;

  beforeAll(() => {
    graph = new HnswGraph(dimensions, { m: 16, efConstruction: 100, random: seededRandom(1) });
    for (const vector of vectors) graph.insert(vector);
  });

  it('finds the exact ten nearest for nearly every query (recall@10 ≥ 0.95)', () => {
    let found = 0;
    for (const query of queries) {
      const truth = new Set(exactTop(vectors, query, 10, () => false));
      const result = graph.search(query, 10, 64);
      expect(result.nodes).toHaveLength(10);
      // Best first, scores are the dot products.
      for (let index = 1; index < result.scores.length; index++) expect(result.scores[index]).toBeLessThanOrEqual(result.scores[index - 1]);
      found += result.nodes.filter((node) => truth.has(node)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('never returns a removed node, and still finds the others', () => {
    const copy = HnswGraph.fromParts(graph.toParts(), { m: 16, efConstruction: 100, random: seededRandom(2) });
    const query = queries[0];
    const before = copy.search(query, 5, 64).nodes;
    for (const node of before) copy.remove(node);
    const after = copy.search(query, 5, 64).nodes;
    expect(after).toHaveLength(5);
    expect(after.filter((node) => before.includes(node))).toEqual([]);
    const truth = exactTop(vectors, query, 5, (index) => before.includes(index));
    expect(after.filter((node) => truth.includes(node)).length).toBeGreaterThanOrEqual(4);
    expect(copy.tombstones).toBe(5);
    expect(copy.live).toBe(vectors.length - 5);
  });

  it('keeps only what the filter accepts', () => {
    const even = (node: number) => node % 2 === 0;
    const result = graph.search(queries[1], 10, 64, even);
    expect(result.nodes).toHaveLength(10);
    expect(result.nodes.every(even)).toBe(true);
    const truth = new Set(exactTop(vectors, queries[1], 10, (index) => !even(index)));
    expect(result.nodes.filter((node) => truth.has(node)).length).toBeGreaterThanOrEqual(9);
  });

  it('comes back from its parts as the same graph', () => {
    const parts = graph.toParts();
    const copy = HnswGraph.fromParts(parts, { m: 16, efConstruction: 100, random: seededRandom(3) });
    for (const query of queries.slice(0, 10)) expect(copy.search(query, 10, 64)).toEqual(graph.search(query, 10, 64));
    expect(copy.toParts().links).toEqual(parts.links);
  });

  it('answers nothing when empty and refuses a vector of another length', () => {
    const empty = new HnswGraph(4, { m: 8, efConstruction: 16, random: seededRandom(4) });
    expect(empty.search(new Float32Array(4), 3, 10)).toEqual({ nodes: [], scores: [] });
    expect(() => empty.insert(new Float32Array(3))).toThrow('a vector of 3 numbers in a graph of 4');
  });
});
