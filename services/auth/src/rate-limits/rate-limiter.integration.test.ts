import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import { MemoryRateLimiter } from './memory-rate-limiter';
import type { BucketCharge, RateLimiter } from './rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';

/** Long enough that nothing refills while a test runs (one unit per 36 s at a limit of 100). */
const HOUR_MS = 3_600_000;

interface Subject {
  limiter: RateLimiter;
  close(): Promise<void>;
}

const implementations: Array<[string, () => Promise<Subject>]> = [
  ['in memory', () => Promise.resolve({ limiter: new MemoryRateLimiter(), close: () => Promise.resolve() })],
  [
    'in Redis',
    async () => {
      const redis = new Redis(REDIS_URL);
      const prefix = `test:ratelimit:${randomUUID()}:`;
      return { limiter: new RedisRateLimiter(redis, { keyPrefix: prefix }), close: () => deleteKeysAndQuit(redis, prefix) };
    },
  ],
];

beforeAll(requireRedis);

describe.each(implementations)('the rate limiter %s', (_name, open) => {
  let subject: Subject;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(() => subject.close());

  const bucket = (key: string, limit: number, cost: number, windowMs = HOUR_MS): BucketCharge => ({ key, limit, windowMs, cost });

  it('admits a burst of its limit, counting down, then refuses with the wait until one more fits', async () => {
    const remaining: number[] = [];
    for (let index = 0; index < 5; index++) {
      const result = await subject.limiter.charge([bucket('burst', 5, 1)]);
      expect(result.admitted).toBe(true);
      remaining.push(result.states[0].remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const refused = await subject.limiter.charge([bucket('burst', 5, 1)]);
    expect(refused).toMatchObject({ admitted: false, refused: 0, states: [{ remaining: 0 }] });
    // One unit refills every hour / 5 = 720 s; the wait is at most that, and the bucket is full an hour after it was emptied.
    expect(refused.retryAfterMs).toBeGreaterThan(700_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(720_000);
    expect(refused.states[0].resetMs).toBeGreaterThan(HOUR_MS - 60_000);
    expect(refused.states[0].resetMs).toBeLessThanOrEqual(HOUR_MS);
  });

  it('charges every bucket of a request or none of them', async () => {
    const tight = bucket('tight', 2, 1);
    const loose = bucket('loose', 10, 1);
    expect((await subject.limiter.charge([loose, tight])).admitted).toBe(true);
    expect((await subject.limiter.charge([loose, tight])).admitted).toBe(true);
    const refused = await subject.limiter.charge([loose, tight]);
    expect(refused).toMatchObject({ admitted: false, refused: 1 });
    // The refused request used nothing of the loose bucket: 8 left, 7 after this one.
    expect((await subject.limiter.charge([loose])).states[0].remaining).toBe(7);
  });

  it('refuses a cost above the limit for good, and charges nothing for it', async () => {
    const refused = await subject.limiter.charge([bucket('tokens', 100, 101)]);
    expect(refused.admitted).toBe(false);
    expect(refused.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
    expect((await subject.limiter.charge([bucket('tokens', 100, 100)])).admitted).toBe(true);
  });

  it('gives back what a settlement returns, and refuses while a settlement left it in debt', async () => {
    expect((await subject.limiter.charge([bucket('settled', 100, 80)])).states[0].remaining).toBe(20);
    expect((await subject.limiter.charge([bucket('settled', 100, 30)])).admitted).toBe(false);
    await subject.limiter.adjust([{ key: 'settled', limit: 100, windowMs: HOUR_MS, delta: -50 }]);
    const after = await subject.limiter.charge([bucket('settled', 100, 30)]);
    expect(after).toMatchObject({ admitted: true, states: [{ remaining: 40 }] });

    await subject.limiter.charge([bucket('debt', 10, 5)]);
    await subject.limiter.adjust([{ key: 'debt', limit: 10, windowMs: HOUR_MS, delta: 20 }]);
    // 25 used of 10: even a request costing nothing waits until 15 have refilled.
    const inDebt = await subject.limiter.charge([bucket('debt', 10, 0)]);
    expect(inDebt.admitted).toBe(false);
    expect(inDebt.retryAfterMs).toBeGreaterThan(14 * (HOUR_MS / 10));
    expect(inDebt.retryAfterMs).toBeLessThanOrEqual(15 * (HOUR_MS / 10));
  });

  it('never gives back more than a full bucket', async () => {
    await subject.limiter.charge([bucket('full', 10, 2)]);
    await subject.limiter.adjust([{ key: 'full', limit: 10, windowMs: HOUR_MS, delta: -50 }]);
    expect((await subject.limiter.charge([bucket('full', 10, 1)])).states[0].remaining).toBe(9);
  });

  it('refills as time passes', async () => {
    const quick = bucket('quick', 2, 1, 400);
    await subject.limiter.charge([quick]);
    await subject.limiter.charge([quick]);
    expect((await subject.limiter.charge([quick])).admitted).toBe(false);
    await waitFor(
      () => subject.limiter.charge([quick]),
      (result) => result.admitted,
      { timeoutMs: 10_000, what: 'the bucket to refill', intervalMs: 50 },
    );
  });
});

describe('the in-memory rate limiter', () => {
  it('refills at limit per window, exactly, on its clock', () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    const perMinute = { key: 'minute', limit: 60, windowMs: 60_000, cost: 1 };
    for (let index = 0; index < 60; index++) expect(limiter.chargeNow([perMinute]).admitted).toBe(true);
    expect(limiter.chargeNow([perMinute])).toMatchObject({ admitted: false, retryAfterMs: 1000 });
    now += 999;
    expect(limiter.chargeNow([perMinute]).admitted).toBe(false);
    now += 1;
    expect(limiter.chargeNow([perMinute])).toMatchObject({ admitted: true, states: [{ remaining: 0, resetMs: 60_000 }] });
    now += 30_000;
    expect(limiter.chargeNow([perMinute]).states[0].remaining).toBe(29);
  });
});

describe('two Redis rate limiters (two gateways) under concurrent load', () => {
  let connections: Redis[] = [];
  const prefix = `test:ratelimit:${randomUUID()}:`;
  afterAll(async () => {
    await deleteKeysAndQuit(connections[0], prefix);
    await Promise.all(connections.slice(1).map((connection) => connection.quit()));
  });

  it('admit no more than the limit between them (over-admission within 1 %)', async () => {
    connections = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    const limiters = connections.map((connection) => new RedisRateLimiter(connection, { keyPrefix: prefix }));
    const limit = 1_000;
    const attemptsEach = 1_500;
    const inFlightEach = 50;
    // Requests and tokens together, as the gateway charges them: 1,000 requests, 1,000,000 tokens per hour.
    const charges: BucketCharge[] = [
      { key: 'shared:requests', limit, windowMs: HOUR_MS, cost: 1 },
      { key: 'shared:tokens', limit: 1_000_000, windowMs: HOUR_MS, cost: 10 },
    ];
    let admitted = 0;
    let refused = 0;
    const started = Date.now();
    await Promise.all(
      limiters.flatMap((limiter) =>
        Array.from({ length: inFlightEach }, async () => {
          for (let attempt = 0; attempt < attemptsEach / inFlightEach; attempt++) {
            const result = await limiter.charge(charges);
            if (result.admitted) admitted++;
            else refused++;
          }
        }),
      ),
    );
    const elapsedMs = Date.now() - started;
    expect(admitted + refused).toBe(2 * attemptsEach);
    // What refilled while the load ran (one request every 3.6 s) may be admitted too.
    const refilled = Math.ceil(elapsedMs / (HOUR_MS / limit));
    expect(admitted).toBeGreaterThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(limit + refilled);
    expect(admitted).toBeLessThanOrEqual(limit * 1.01);
  });
});

async function deleteKeysAndQuit(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
