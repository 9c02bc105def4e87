/**
 * A bounded least-recently-used map from text to its vector: a repeated
 * prompt (retries, the cache's exact tier missing on sampling parameters,
 * routing examples) is embedded once.
 */
export class EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  constructor(private readonly capacity: number) {}

  get(text: string): Float32Array | undefined {
    const vector = this.entries.get(text);
    if (vector === undefined) return undefined;
    // Re-inserting moves the entry to the young end of the Map's order.
    this.entries.delete(text);
    this.entries.set(text, vector);
    return vector;
  }

  set(text: string, vector: Float32Array): void {
    if (this.capacity <= 0) return;
    this.entries.delete(text);
    this.entries.set(text, vector);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
