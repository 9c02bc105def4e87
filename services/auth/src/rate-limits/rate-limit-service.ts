import { GatewayError, type Principal, type Usage } from '@switchyard/shared';
import type { RateLimit, RateLimitPolicy, RateLimitSubject, TokenKind } from './rate-limit-policy';
import type { BucketAdjustment, BucketCharge, RateLimiter } from './rate-limiter';
import { rateLimitHeaders } from './rate-limit-headers';

const MINUTE_MS = 60_000;

export interface TokenEstimate {
  input: number;
  output: number;
}

/** The answer for one request. */
export type RateLimitDecision =
  | { admitted: true; headers: Record<string, string>; reservation: TokenReservation }
  | { admitted: false; headers: Record<string, string>; error: GatewayError };

/** Tokens charged on the estimate, to settle with the real usage. */
export interface TokenReservation {
  buckets: ReadonlyArray<{ key: string; limit: number; kind: TokenKind; reserved: number }>;
}

const NOTHING_RESERVED: TokenReservation = { buckets: [] };

/**
 * Rate limits of requests and tokens per minute: the policy says which
 * limits apply, the limiter (memory or Redis) counts. Every bucket of a
 * request is charged in one atomic step.
 */
export class RateLimitService {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly limiter: RateLimiter,
  ) {}

  async admit(principal: Principal, subject: RateLimitSubject, estimate: TokenEstimate): Promise<RateLimitDecision> {
    const limits = this.policy.limitsFor(principal, subject);
    if (limits.length === 0) return { admitted: true, headers: {}, reservation: NOTHING_RESERVED };
    const charges: BucketCharge[] = [];
    const described: Array<{ limit: RateLimit; dimension: 'requests' | 'tokens' }> = [];
    const reserved: Array<{ key: string; limit: number; kind: TokenKind; reserved: number }> = [];
    for (const limit of limits) {
      if (limit.requestsPerMinute !== undefined) {
        charges.push({ key: `${limit.id}:requests`, limit: limit.requestsPerMinute, windowMs: MINUTE_MS, cost: 1 });
        described.push({ limit, dimension: 'requests' });
      }
      if (limit.tokensPerMinute !== undefined) {
        const cost = tokensOf(limit.tokenKind, estimate.input, estimate.output);
        const key = `${limit.id}:tokens`;
        charges.push({ key, limit: limit.tokensPerMinute, windowMs: MINUTE_MS, cost });
        described.push({ limit, dimension: 'tokens' });
        reserved.push({ key, limit: limit.tokensPerMinute, kind: limit.tokenKind, reserved: cost });
      }
    }
    const result = await this.limiter.charge(charges);
    const headers = rateLimitHeaders(
      described.map((entry, index) => ({ dimension: entry.dimension, limit: charges[index].limit, state: result.states[index] })),
    );
    if (result.admitted) return { admitted: true, headers, reservation: { buckets: reserved } };
    const index = Math.max(0, result.refused);
    return {
      admitted: false,
      headers,
      error: rateLimitExceeded(described[index].limit, described[index].dimension, charges[index], result.retryAfterMs),
    };
  }

  /** Replaces the reserved estimate by the real usage (none: nothing was used, all is given back). */
  async settle(reservation: TokenReservation, usage: Usage | undefined): Promise<void> {
    if (reservation.buckets.length === 0) return;
    const adjustments: BucketAdjustment[] = reservation.buckets.map((bucket) => ({
      key: bucket.key,
      limit: bucket.limit,
      windowMs: MINUTE_MS,
      delta: tokensOf(bucket.kind, usage?.inputTokens ?? 0, usage?.outputTokens ?? 0) - bucket.reserved,
    }));
    await this.limiter.adjust(adjustments);
  }
}

function tokensOf(kind: TokenKind, input: number, output: number): number {
  return kind === 'input' ? input : kind === 'output' ? output : input + output;
}

const SCOPE_NAMES = { key: 'key', workspace: 'workspace', user: 'user', model: 'model' } as const;

/** 429 in OpenAI's words: what was reached, the limit, what was asked, when to try again. */
function rateLimitExceeded(limit: RateLimit, dimension: 'requests' | 'tokens', charge: BucketCharge, retryAfterMs: number): GatewayError {
  const what =
    dimension === 'requests' ? 'requests per minute (RPM)' : `${limit.tokenKind === 'total' ? '' : `${limit.tokenKind} `}tokens per minute (TPM)`;
  const on = `${SCOPE_NAMES[limit.scope]} ${limit.subject}`;
  if (!Number.isFinite(retryAfterMs)) {
    return new GatewayError(
      `Request too large for ${what} on ${on}: Limit ${charge.limit}, Requested ${charge.cost}. Send fewer tokens (a shorter prompt, a lower max_tokens).`,
      { status: 429, errorClass: 'rate_limited', code: 'rate_limit_exceeded' },
    );
  }
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GatewayError(
    `Rate limit reached for ${what} on ${on}: Limit ${charge.limit}, Requested ${charge.cost}. Please try again in ${seconds}s.`,
    {
      status: 429,
      errorClass: 'rate_limited',
      code: 'rate_limit_exceeded',
      retryAfter: String(seconds),
    },
  );
}
