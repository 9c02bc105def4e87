export { seededRandom } from '../../../../../test/support/seeded-random';

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
