'use strict';

/**
 * Percentiles (p50, p90, p99, p99.9) of a list of durations in
 * milliseconds (nearest rank on the sorted values, no interpolation), and a
 * tally of failed requests.
 */

function summarizeLatencies(values) {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  // The epsilon keeps a rank that is a whole number in exact arithmetic (99.9 % of 2,000) from rounding up a place.
  const at = (percent) => sorted[Math.min(count - 1, Math.max(0, Math.ceil((percent / 100) * count - 1e-9) - 1))];
  let total = 0;
  for (const value of sorted) total += value;
  return { count, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: sorted[count - 1], mean: total / count };
}

/** Counts requests that were not a clean 200 and keeps a few distinct reasons. */
class ErrorTally {
  constructor(keep = 5) {
    this.count = 0;
    this.samples = [];
    this.keep = keep;
  }

  record(outcome) {
    if (outcome.ok) return;
    this.count += 1;
    if (this.samples.length >= this.keep) return;
    const reason = outcome.body ? `${outcome.problem} ${outcome.body.slice(0, 200)}` : outcome.problem;
    if (!this.samples.includes(reason)) this.samples.push(reason);
  }

  toJSON() {
    return { count: this.count, samples: this.samples };
  }
}

module.exports = { summarizeLatencies, ErrorTally };
