/**
 * Percentiles (p50, p90, p99, p99.9) of a list of durations in
 * milliseconds (nearest rank on the sorted values, no interpolation), and a
 * tally of failed requests. Every scenario summarises latencies here, so
 * their figures compare.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  // The epsilon keeps a rank that is a whole number in exact arithmetic (99.9 % of 2,000) from rounding up a place.
  const at = (percent: number): number => sorted[Math.min(count - 1, Math.max(0, Math.ceil((percent / 100) * count - 1e-9) - 1))];
  let total = 0;
  for (const value of sorted) total += value;
  return { count, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: sorted[count - 1], mean: total / count };
}

/** What the tally needs of a request's outcome. */
export interface TalliedOutcome {
  ok: boolean;
  problem?: string;
  body?: string;
}

export interface ErrorCount {
  count: number;
  samples: string[];
}

/** Counts requests that were not a clean 200 and keeps a few distinct reasons. */
export class ErrorTally {
  count = 0;
  readonly samples: string[] = [];

  constructor(private readonly keep = 5) {}

  record(outcome: TalliedOutcome): void {
    if (outcome.ok) return;
    this.count += 1;
    if (this.samples.length >= this.keep) return;
    const reason = outcome.body ? `${outcome.problem} ${outcome.body.slice(0, 200)}` : (outcome.problem ?? 'failed');
    if (!this.samples.includes(reason)) this.samples.push(reason);
  }

  toJSON(): ErrorCount {
    return { count: this.count, samples: [...this.samples] };
  }
}
