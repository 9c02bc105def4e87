import { KeyPool } from './key-pool';
import { parseRetryAfterMs, readRateLimitHeaders } from './rate-limit-headers';

describe('KeyPool', () => {
  let now = 1_000_000;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('goes round the keys in turn while nothing is known of their limits', () => {
    const pool = new KeyPool({ size: 3, cooldownMs: 10_000, now: clock });
    expect(Array.from({ length: 6 }, () => pool.pick())).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('takes the key with the most requests left, then the most tokens left', () => {
    const pool = new KeyPool({ size: 3, cooldownMs: 10_000, now: clock });
    pool.observe(0, 200, { remainingRequests: 5, remainingTokens: 1_000 });
    pool.observe(1, 200, { remainingRequests: 50, remainingTokens: 10 });
    pool.observe(2, 200, { remainingRequests: 50, remainingTokens: 9_000 });
    expect(pool.pick()).toBe(2);
  });

  it('spreads concurrent calls by counting each pick against the key before its answer arrives', () => {
    const pool = new KeyPool({ size: 2, cooldownMs: 10_000, now: clock });
    pool.observe(0, 200, { remainingRequests: 3 });
    pool.observe(1, 200, { remainingRequests: 2 });
    // 3 → key 0 (now 2), tie 2/2 → whichever's turn, and so on: never the same key three times running.
    const picks = Array.from({ length: 4 }, () => pool.pick());
    expect(picks.filter((index) => index === 0)).toHaveLength(2);
    expect(picks.filter((index) => index === 1)).toHaveLength(2);
  });

  it('counts a key not read yet as full, and forgets readings older than a minute', () => {
    const pool = new KeyPool({ size: 2, cooldownMs: 10_000, now: clock });
    pool.observe(0, 200, { remainingRequests: 100 });
    expect(pool.pick()).toBe(1);
    pool.observe(1, 200, { remainingRequests: 1 });
    expect(pool.pick()).toBe(0);
    now += 60_001;
    expect(pool.describe()).toEqual([
      { index: 0, coolingForMs: 0 },
      { index: 1, coolingForMs: 0 },
    ]);
  });

  it('cools a key down after a 429 for its Retry-After, and skips it meanwhile', () => {
    const pool = new KeyPool({ size: 2, cooldownMs: 10_000, now: clock });
    pool.observe(0, 429, { retryAfterMs: 2_000 });
    expect(pool.available()).toBe(true);
    expect([pool.pick(), pool.pick(), pool.pick()]).toEqual([1, 1, 1]);
    now += 2_000;
    expect(new Set([pool.pick(), pool.pick()])).toEqual(new Set([0, 1]));
  });

  it('cools a key down for cooldownMs after a 429 without Retry-After', () => {
    const pool = new KeyPool({ size: 1, cooldownMs: 10_000, now: clock });
    pool.observe(0, 429, {});
    expect(pool.available()).toBe(false);
    now += 9_999;
    expect(pool.available()).toBe(false);
    now += 1;
    expect(pool.available()).toBe(true);
  });

  it('is unavailable when every key cools down, and then picks the one back soonest', () => {
    const pool = new KeyPool({ size: 3, cooldownMs: 10_000, now: clock });
    pool.observe(0, 429, { retryAfterMs: 5_000 });
    pool.observe(1, 429, { retryAfterMs: 1_000 });
    pool.observe(2, 429, { retryAfterMs: 3_000 });
    expect(pool.available()).toBe(false);
    expect(pool.availableAt()).toBe(now + 1_000);
    expect(pool.pick()).toBe(1);
  });

  it('does not cool a key down for other statuses', () => {
    const pool = new KeyPool({ size: 1, cooldownMs: 10_000, now: clock });
    for (const status of [200, 400, 401, 500, 503]) pool.observe(0, status, { retryAfterMs: 5_000 });
    expect(pool.available()).toBe(true);
  });
});

describe('rate-limit headers', () => {
  const now = Date.parse('2026-12-05T08:00:00Z');

  it('reads OpenAI’s and Anthropic’s remaining requests and tokens', () => {
    expect(readRateLimitHeaders({ 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-remaining-tokens': '149984' }, now)).toEqual({
      remainingRequests: 59,
      remainingTokens: 149_984,
    });
    expect(readRateLimitHeaders({ 'anthropic-ratelimit-requests-remaining': '7', 'anthropic-ratelimit-tokens-remaining': '80000' }, now)).toEqual({
      remainingRequests: 7,
      remainingTokens: 80_000,
    });
  });

  it('leaves out absent and unreadable values', () => {
    expect(readRateLimitHeaders({ 'x-ratelimit-remaining-requests': 'lots', 'x-ratelimit-remaining-tokens': '' }, now)).toEqual({});
  });

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms first', () => {
    expect(parseRetryAfterMs({ 'retry-after': '7' }, now)).toBe(7_000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfterMs({ 'retry-after': 'Sat, 05 Dec 2026 08:00:20 GMT' }, now)).toBe(20_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Sat, 05 Dec 2026 07:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '2' }, now)).toBe(1_500);
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
  });
});
