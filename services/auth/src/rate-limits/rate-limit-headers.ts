import type { BucketState } from './rate-limiter';

export interface MeasuredBucket {
  dimension: 'requests' | 'tokens';
  /** Per minute. */
  limit: number;
  state: BucketState;
}

/**
 * OpenAI's rate-limit headers — `x-ratelimit-limit-requests`,
 * `-remaining-requests`, `-reset-requests` and the `-tokens` ones — for the
 * tightest limit of each dimension (the fewest remaining).
 */
export function rateLimitHeaders(buckets: readonly MeasuredBucket[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const dimension of ['requests', 'tokens'] as const) {
    let tightest: MeasuredBucket | undefined;
    for (const bucket of buckets) {
      if (bucket.dimension === dimension && (tightest === undefined || bucket.state.remaining < tightest.state.remaining)) tightest = bucket;
    }
    if (!tightest) continue;
    headers[`x-ratelimit-limit-${dimension}`] = String(tightest.limit);
    headers[`x-ratelimit-remaining-${dimension}`] = String(tightest.state.remaining);
    headers[`x-ratelimit-reset-${dimension}`] = formatDuration(tightest.state.resetMs);
  }
  return headers;
}

/** As OpenAI writes durations: `20ms`, `1.5s`, `6m0s`. */
export function formatDuration(milliseconds: number): string {
  const ms = Math.max(0, Math.ceil(milliseconds));
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Number(((ms - minutes * 60_000) / 1000).toFixed(3))}s`;
}
