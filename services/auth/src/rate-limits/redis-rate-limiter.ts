import type { Redis } from 'ioredis';
import type { BucketAdjustment, BucketCharge, BucketState, ChargeResult, RateLimiter } from './rate-limiter';

/**
 * GCRA over every bucket of a request in one script, so the check and the
 * update of all of them are one atomic step for every gateway sharing the
 * Redis. Time is Redis's own (`TIME`): gateways with skewed clocks still
 * agree. Mirrors `gcraCharge` in rate-limiter.ts.
 *
 * KEYS: the buckets; ARGV: limit, window (ms), cost for each.
 * Returns: admitted (0/1), retry after (ms, rounded up; -1 never), the
 * index of the first bucket that refused (-1 none), then remaining and reset (ms, rounded up) for each bucket.
 */
const CHARGE_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local admitted = 1
local retry = 0
local refused = 0
local result = {0, 0, 0}
local next_tats = {}
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3 * i - 2])
  local window = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local interval = window / limit
  local start = tonumber(redis.call('GET', KEYS[i]) or now)
  if start < now then start = now end
  local next_tat = start + cost * interval
  local ahead = next_tat - now
  if ahead > window then
    admitted = 0
    if refused == 0 then refused = i end
    if cost > limit then retry = -1 elseif retry >= 0 and ahead - window > retry then retry = ahead - window end
    local remaining = math.floor((window - (start - now)) / interval)
    if remaining < 0 then remaining = 0 end
    result[2 * i + 2] = remaining
    result[2 * i + 3] = math.ceil(start - now)
  else
    next_tats[i] = next_tat
    result[2 * i + 2] = math.floor((window - ahead) / interval)
    result[2 * i + 3] = math.ceil(ahead)
  end
end
if admitted == 1 then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], string.format('%.17g', next_tats[i]), 'PX', math.ceil(next_tats[i] - now) + 1000)
  end
end
result[1] = admitted
result[3] = refused - 1
if retry < 0 then result[2] = -1 else result[2] = math.ceil(retry) end
return result
`;

/** KEYS: the buckets; ARGV: limit, window (ms), delta for each. Mirrors `gcraAdjust`. */
const ADJUST_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3 * i - 2])
  local window = tonumber(ARGV[3 * i - 1])
  local delta = tonumber(ARGV[3 * i])
  local start = tonumber(redis.call('GET', KEYS[i]) or now)
  if start < now then start = now end
  local tat = start + delta * window / limit
  if tat <= now then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], string.format('%.17g', tat), 'PX', math.ceil(tat - now) + 1000)
  end
end
return #KEYS
`;

interface RateLimitCommands {
  switchyardRateLimitCharge(numberOfKeys: number, ...keysAndArguments: Array<string | number>): Promise<number[]>;
  switchyardRateLimitAdjust(numberOfKeys: number, ...keysAndArguments: Array<string | number>): Promise<number>;
}

export interface RedisRateLimiterOptions {
  /** Put before every bucket key. Default `switchyard:ratelimit:`. */
  keyPrefix?: string;
}

/**
 * GCRA buckets in Redis: a limit holds across every gateway using the same
 * Redis. The connection is the caller's (shared with budgets); a command
 * that fails rejects, and the caller decides to fail open or closed.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis & RateLimitCommands;
  private readonly keyPrefix: string;

  constructor(redis: Redis, options: RedisRateLimiterOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'switchyard:ratelimit:';
    // defineCommand sends EVALSHA, and the script itself only when Redis does not know it yet.
    if (!('switchyardRateLimitCharge' in redis)) {
      redis.defineCommand('switchyardRateLimitCharge', { lua: CHARGE_SCRIPT });
      redis.defineCommand('switchyardRateLimitAdjust', { lua: ADJUST_SCRIPT });
    }
    this.redis = redis as Redis & RateLimitCommands;
  }

  async charge(charges: readonly BucketCharge[]): Promise<ChargeResult> {
    if (charges.length === 0) return { admitted: true, retryAfterMs: 0, refused: -1, states: [] };
    const keys = charges.map((charge) => this.keyPrefix + charge.key);
    const values = charges.flatMap((charge) => [charge.limit, charge.windowMs, charge.cost]);
    const reply = await this.redis.switchyardRateLimitCharge(keys.length, ...keys, ...values);
    const states: BucketState[] = charges.map((_charge, index) => ({ remaining: reply[3 + 2 * index], resetMs: reply[4 + 2 * index] }));
    return { admitted: reply[0] === 1, retryAfterMs: reply[1] === -1 ? Number.POSITIVE_INFINITY : reply[1], refused: reply[2], states };
  }

  async adjust(adjustments: readonly BucketAdjustment[]): Promise<void> {
    const changed = adjustments.filter((adjustment) => adjustment.delta !== 0);
    if (changed.length === 0) return;
    const keys = changed.map((adjustment) => this.keyPrefix + adjustment.key);
    const values = changed.flatMap((adjustment) => [adjustment.limit, adjustment.windowMs, adjustment.delta]);
    await this.redis.switchyardRateLimitAdjust(keys.length, ...keys, ...values);
  }

  /** The connection is the caller's to close. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
