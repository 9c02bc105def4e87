import type { Redis } from 'ioredis';

/**
 * Spend in USD per budget and period. In memory for one process; in Redis,
 * where every gateway adds what it served (INCRBYFLOAT, atomic), for many.
 */
export interface SpendStore {
  /** The spend of each bucket (0 when none), in order. */
  spent(keys: readonly string[]): Promise<number[]>;
  /** Adds to each bucket; the totals after, in order. */
  add(entries: readonly SpendEntry[]): Promise<number[]>;
  /** True the first time it is asked for `key` (across every gateway sharing the store): an alert fires once per period. */
  claimAlert(key: string, ttlSeconds: number): Promise<boolean>;
}

export interface SpendEntry {
  key: string;
  usd: number;
  /** How long the bucket is kept after its last change. */
  ttlSeconds: number;
}

export class MemorySpendStore implements SpendStore {
  private readonly totals = new Map<string, number>();
  private readonly alerts = new Set<string>();

  spent(keys: readonly string[]): Promise<number[]> {
    return Promise.resolve(keys.map((key) => this.totals.get(key) ?? 0));
  }

  add(entries: readonly SpendEntry[]): Promise<number[]> {
    return Promise.resolve(
      entries.map((entry) => {
        const total = (this.totals.get(entry.key) ?? 0) + entry.usd;
        this.totals.set(entry.key, total);
        return total;
      }),
    );
  }

  claimAlert(key: string): Promise<boolean> {
    if (this.alerts.has(key)) return Promise.resolve(false);
    this.alerts.add(key);
    return Promise.resolve(true);
  }
}

export class RedisSpendStore implements SpendStore {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix?: string } = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'switchyard:budget:';
  }

  async spent(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys.map((key) => this.keyPrefix + key));
    return values.map((value) => (value === null ? 0 : Number(value)));
  }

  async add(entries: readonly SpendEntry[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const transaction = this.redis.multi();
    for (const entry of entries) {
      transaction.incrbyfloat(this.keyPrefix + entry.key, entry.usd);
      transaction.expire(this.keyPrefix + entry.key, entry.ttlSeconds);
    }
    const replies = await transaction.exec();
    if (!replies) throw new Error('the spend transaction was aborted');
    return entries.map((_entry, index) => {
      const [error, value] = replies[2 * index];
      if (error) throw error;
      return Number(value);
    });
  }

  async claimAlert(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.keyPrefix}alerted:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }
}
