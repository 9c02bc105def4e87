import { normalize, type VectorMatch, type VectorPayload, type VectorQuery, type VectorRecord } from '@switchyard/shared';
import { ScoreHeap } from './score-heap';
import { dotAt, HnswGraph, type HnswGraphOptions, type HnswGraphParts } from './hnsw-graph';
import { vectorDimensionsMismatch } from '../vector-store-errors';
import { filterTokens } from '../payload-tokens';

export interface HnswSearchOptions {
  /** Breadth of a query's search (larger: better recall, slower). */
  efSearch: number;
  /** Namespaces with fewer live records than this are searched exactly (a scan beats a graph there). */
  exactSearchBelow: number;
  /** The graph is rebuilt once this share of its nodes are tombstones. */
  rebuildTombstoneRatio: number;
}

/** The records of one namespace: a graph plus the id and payload of each node. */
export class HnswNamespace {
  private graph: HnswGraph | undefined;
  private nodeOf = new Map<string, number>();
  private ids: string[] = [];
  private payloads: VectorPayload[] = [];
  /** The live nodes holding each payload value (`filterTokens`), so a selective `where` scans only those. */
  private postings = new Map<string, Set<number>>();

  constructor(
    readonly name: string,
    private readonly graphOptions: HnswGraphOptions,
    private readonly searchOptions: HnswSearchOptions,
  ) {}

  get size(): number {
    return this.nodeOf.size;
  }

  get dimensions(): number | undefined {
    return this.graph?.dimensions;
  }

  /** Checks before anything is written (so a bad batch changes nothing, on disk or here). */
  validate(records: readonly VectorRecord[]): void {
    let dimensions = this.graph?.dimensions;
    for (const record of records) {
      if (typeof record.id !== 'string' || record.id === '') throw new TypeError('a vector record needs a non-empty string id');
      dimensions ??= record.vector.length;
      if (record.vector.length !== dimensions || dimensions === 0) throw vectorDimensionsMismatch(this.name, dimensions, record.vector.length);
    }
  }

  upsert(records: readonly VectorRecord[]): void {
    for (const record of records) {
      const vector = normalize(Float32Array.from(record.vector));
      this.graph ??= new HnswGraph(vector.length, this.graphOptions);
      const previous = this.nodeOf.get(record.id);
      if (previous !== undefined) {
        this.graph.remove(previous);
        this.unpost(previous);
      }
      const node = this.graph.insert(vector);
      this.nodeOf.set(record.id, node);
      this.ids[node] = record.id;
      this.payloads[node] = { ...record.payload };
      this.post(node);
    }
    this.rebuildIfWorn();
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) {
      const node = this.nodeOf.get(id);
      if (node === undefined) continue;
      this.graph?.remove(node);
      this.unpost(node);
      this.nodeOf.delete(id);
    }
    this.rebuildIfWorn();
  }

  query(vector: Float32Array, query: VectorQuery): VectorMatch[] {
    const graph = this.graph;
    if (graph === undefined || this.nodeOf.size === 0 || query.k <= 0) return [];
    if (vector.length !== graph.dimensions) throw vectorDimensionsMismatch(this.name, graph.dimensions, vector.length);
    const unit = normalize(Float32Array.from(vector));
    const where = query.where && Object.keys(query.where).length > 0 ? query.where : undefined;
    const accept = where ? (node: number) => payloadMatches(this.payloads[node], where) : undefined;
    let found: { nodes: number[]; scores: number[] };
    const passing = where ? this.smallestPosting(where) : undefined;
    if (passing !== undefined && passing.size < this.filteredScanBelow()) {
      // Few records can pass: scanning them is exact and cheaper than a filtered walk of the whole graph.
      found = this.scan(unit, query.k, accept, passing);
    } else if (this.nodeOf.size < this.searchOptions.exactSearchBelow) {
      found = this.scan(unit, query.k, accept);
    } else {
      found = graph.search(unit, query.k, this.searchOptions.efSearch, accept);
      // A filter that few records pass can leave the graph walk short: the scan is exact.
      if (found.nodes.length < query.k && accept !== undefined) found = this.scan(unit, query.k, accept);
    }
    const matches: VectorMatch[] = [];
    for (let index = 0; index < found.nodes.length; index++) {
      const score = found.scores[index];
      if (query.minScore !== undefined && score < query.minScore) break;
      const node = found.nodes[index];
      matches.push({ id: this.ids[node], score, payload: { ...this.payloads[node] } });
    }
    return matches;
  }

  /** The snapshot of this namespace: the graph, and per node its id and payload (null for a tombstone). */
  toSnapshot(): { graph: HnswGraphParts; records: ({ id: string; payload: VectorPayload } | null)[] } | undefined {
    const graph = this.graph;
    if (graph === undefined) return undefined;
    const records = this.ids.slice(0, graph.size).map((id, node) => (graph.isDeleted(node) ? null : { id, payload: this.payloads[node] }));
    return { graph: graph.toParts(), records };
  }

  restore(graphParts: HnswGraphParts, records: readonly ({ id: string; payload: VectorPayload } | null)[]): void {
    if (records.length !== graphParts.count) throw new Error(`snapshot of ${this.name}: ${records.length} records for ${graphParts.count} nodes`);
    this.graph = HnswGraph.fromParts(graphParts, this.graphOptions);
    this.nodeOf.clear();
    this.ids = [];
    this.payloads = [];
    records.forEach((record, node) => {
      this.ids[node] = record?.id ?? '';
      this.payloads[node] = record?.payload ?? {};
      if (record !== null) this.nodeOf.set(record.id, node);
    });
    this.postings = new Map();
    for (const node of this.nodeOf.values()) this.post(node);
  }

  private scan(
    unit: Float32Array,
    k: number,
    accept: ((node: number) => boolean) | undefined,
    nodes: Iterable<number> = this.nodeOf.values(),
  ): { nodes: number[]; scores: number[] } {
    const graph = this.graph as HnswGraph;
    // A bounded heap of the k best: no array of every record to sort.
    const best = new ScoreHeap('min');
    for (const node of nodes) {
      if (accept !== undefined && !accept(node)) continue;
      const score = dotAt(unit, graph.vector(node), 0);
      if (best.size < k) best.push(node, score);
      else if (score > best.peekScore()) {
        best.pop();
        best.push(node, score);
      }
    }
    return best.drainBestFirst();
  }

  /** Re-inserts the live records into a fresh graph once tombstones make up too much of it. */
  private rebuildIfWorn(): void {
    const graph = this.graph;
    if (graph === undefined || graph.tombstones === 0) return;
    if (graph.tombstones < 64 || graph.tombstones < graph.size * this.searchOptions.rebuildTombstoneRatio) return;
    const fresh = new HnswGraph(graph.dimensions, this.graphOptions, Math.max(1024, this.nodeOf.size));
    const ids: string[] = [];
    const payloads: VectorPayload[] = [];
    const nodeOf = new Map<string, number>();
    for (const [id, node] of this.nodeOf) {
      const freshNode = fresh.insert(graph.vector(node));
      ids[freshNode] = id;
      payloads[freshNode] = this.payloads[node];
      nodeOf.set(id, freshNode);
    }
    this.graph = fresh;
    this.ids = ids;
    this.payloads = payloads;
    this.nodeOf = nodeOf;
    this.postings = new Map();
    for (const node of nodeOf.values()) this.post(node);
  }

  private post(node: number): void {
    for (const token of filterTokens(this.payloads[node])) {
      let nodes = this.postings.get(token);
      if (nodes === undefined) this.postings.set(token, (nodes = new Set()));
      nodes.add(node);
    }
  }

  private unpost(node: number): void {
    for (const token of filterTokens(this.payloads[node] ?? {})) {
      const nodes = this.postings.get(token);
      nodes?.delete(node);
      if (nodes?.size === 0) this.postings.delete(token);
    }
  }

  /**
   * Up to how many passing records a scan beats a filtered walk: the walk
   * computes about efSearch × 2m / (passing share) scores, the scan one per
   * passing record, so they cost the same at √(efSearch × 2m × live).
   */
  private filteredScanBelow(): number {
    return Math.max(this.searchOptions.exactSearchBelow, Math.sqrt(this.searchOptions.efSearch * 2 * this.graphOptions.m * this.nodeOf.size));
  }

  /** The live nodes of the rarest value `where` asks for (empty when one is held by none). */
  private smallestPosting(where: VectorPayload): ReadonlySet<number> {
    let smallest: ReadonlySet<number> | undefined;
    for (const token of filterTokens(where)) {
      const nodes = this.postings.get(token);
      if (nodes === undefined) return new Set();
      if (smallest === undefined || nodes.size < smallest.size) smallest = nodes;
    }
    return smallest ?? new Set(this.nodeOf.values());
  }
}

/** Whether a payload has every value of `where` (same type, same value). */
export function payloadMatches(payload: VectorPayload, where: VectorPayload): boolean {
  for (const key in where) if (payload[key] !== where[key]) return false;
  return true;
}
