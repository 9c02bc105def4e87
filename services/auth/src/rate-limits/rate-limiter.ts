/**
 * The store of rate-limit buckets: GCRA (the generic cell rate algorithm),
 * one timestamp per bucket. A bucket of `limit` per `windowMs` admits a
 * burst of `limit` and then one unit every `windowMs / limit` — a token
 * bucket that refills continuously, as OpenAI's limits do. Its state is the
 * theoretical arrival time (TAT): when the bucket would be full again.
 *
 * Implemented in memory (one process) and in Redis (one Lua script, shared
 * by every gateway); both pass the same test suite.
 */
export interface RateLimiter {
  /**
   * Charges every bucket its cost, or none of them: a request refused by
   * one limit uses nothing of the others.
   */
  charge(charges: readonly BucketCharge[]): Promise<ChargeResult>;
  /**
   * Adds `delta` (negative: gives back) to buckets after the fact: tokens
   * reserved on an estimate, settled with the real usage. A bucket may go
   * into debt; it then refuses until it has refilled.
   */
  adjust(adjustments: readonly BucketAdjustment[]): Promise<void>;
  close(): Promise<void>;
}

export interface BucketCharge {
  key: string;
  /** Units per window, and the burst. */
  limit: number;
  windowMs: number;
  cost: number;
}

export interface BucketAdjustment {
  key: string;
  limit: number;
  windowMs: number;
  delta: number;
}

export interface BucketState {
  /** Units left after this charge (before it, when refused). */
  remaining: number;
  /** Until the bucket is full again, in ms. */
  resetMs: number;
}

export interface ChargeResult {
  admitted: boolean;
  /** When refused: how long until the same charge would be admitted; `Infinity` when never (a cost above the limit). */
  retryAfterMs: number;
  /** When refused: the index of the first charge that refused. */
  refused: number;
  /** In the order of the charges. */
  states: BucketState[];
}

/** The pure GCRA step, shared by the in-memory limiter and mirrored by the Lua script. */
export function gcraCharge(
  tat: number | undefined,
  now: number,
  charge: Omit<BucketCharge, 'key'>,
): { tat: number; allowed: boolean; retryAfterMs: number; state: BucketState } {
  const interval = charge.windowMs / charge.limit;
  const start = tat === undefined || tat < now ? now : tat;
  const next = start + charge.cost * interval;
  const ahead = next - now;
  if (ahead > charge.windowMs) {
    return {
      tat: start,
      allowed: false,
      retryAfterMs: charge.cost > charge.limit ? Number.POSITIVE_INFINITY : ahead - charge.windowMs,
      state: { remaining: Math.max(0, Math.floor((charge.windowMs - (start - now)) / interval)), resetMs: start - now },
    };
  }
  return { tat: next, allowed: true, retryAfterMs: 0, state: { remaining: Math.floor((charge.windowMs - ahead) / interval), resetMs: ahead } };
}

/** The TAT after adding `delta` units; never before `now` (a bucket is never fuller than full). */
export function gcraAdjust(tat: number | undefined, now: number, adjustment: Omit<BucketAdjustment, 'key'>): number {
  const start = tat === undefined || tat < now ? now : tat;
  return Math.max(now, start + (adjustment.delta * adjustment.windowMs) / adjustment.limit);
}
