/** mulberry32: a small seeded generator of numbers in [0, 1), so simulations repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A normal draw (Box–Muller) from a uniform source. */
export function normal(random: () => number, mean: number, deviation: number): number {
  const u = 1 - random();
  const v = random();
  return mean + deviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A running count, mean and unbiased variance (Welford), as the records database's aggregates give them. */
export class RunningSample {
  count = 0;
  mean = 0;
  private squares = 0;

  add(value: number): void {
    this.count += 1;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.squares += delta * (value - this.mean);
  }

  get variance(): number {
    return this.count > 1 ? this.squares / (this.count - 1) : 0;
  }
}
