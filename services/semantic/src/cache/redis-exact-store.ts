import { Redis } from 'ioredis';
import type { Logger } from '@switchyard/shared';
import type { CachedAnswer } from './cached-answer';
import { scopePrefix, type EntryScope, type ExactStore } from './exact-store';

export const CACHE_KEY_PREFIX = 'switchyard:cache';

export interface RedisExactStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, resolved. */
  url: string;
  /** A command slower than this fails (the caller counts it a miss). */
  commandTimeoutMs: number;
  /** Default `switchyard:cache`; tests use one of their own. */
  keyPrefix?: string;
  logger?: Logger;
  now?: () => number;
}

/** Keys deleted per round of an invalidation. */
const SCAN_COUNT = 500;

/**
 * The exact tier in Redis, shared by every gateway: one string key per
 * answer (`<prefix>:entry:<workspace>:<namespace>:<hash>`) expiring with the
 * answer, and one set per workspace naming its namespaces. The connection
 * fails fast (no offline queue, no retried command, a command timeout):
 * while Redis is away, lookups miss at once and writes are dropped.
 */
export class RedisExactStore implements ExactStore {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly now: () => number;
  private readonly connected: Promise<boolean>;
  private warned = false;

  constructor(private readonly options: RedisExactStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? CACHE_KEY_PREFIX;
    this.now = options.now ?? Date.now;
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      lazyConnect: true,
    });
    // Errors surface on the commands; the connection reconnects on its own. Logged once per outage.
    this.redis.on('error', (error: Error) => {
      if (this.warned) return;
      this.warned = true;
      options.logger?.warn({ err: { message: error.message } }, 'cache-redis-error: the exact tier misses until Redis answers');
    });
    this.redis.on('ready', () => {
      this.warned = false;
    });
    this.connected = this.redis.connect().then(
      () => true,
      () => false,
    );
  }

  ready(): Promise<boolean> {
    return this.connected;
  }

  async get(scope: EntryScope, key: string): Promise<CachedAnswer | undefined> {
    const text = await this.redis.get(this.entryKey(scope, key));
    if (text === null) return undefined;
    const answer = JSON.parse(text) as CachedAnswer;
    return answer.expiresAt > this.now() ? answer : undefined;
  }

  async set(scope: EntryScope, key: string, answer: CachedAnswer): Promise<void> {
    const ttlMs = Math.max(1, answer.expiresAt - this.now());
    await this.redis.set(this.entryKey(scope, key), JSON.stringify(answer), 'PX', ttlMs);
  }

  async invalidate(workspace: string, namespace?: string): Promise<number> {
    const pattern = `${escapeGlob(`${this.keyPrefix}:entry:${scopePrefix(workspace, namespace)}`)}*`;
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) removed += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    if (namespace === undefined) await this.redis.unlink(this.namespacesKey(workspace));
    else await this.redis.srem(this.namespacesKey(workspace), namespace);
    return removed;
  }

  async addNamespace(workspace: string, namespace: string): Promise<void> {
    await this.redis.sadd(this.namespacesKey(workspace), namespace);
  }

  async namespaces(workspace: string): Promise<string[]> {
    return this.redis.smembers(this.namespacesKey(workspace));
  }

  async close(): Promise<void> {
    await this.connected;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private entryKey(scope: EntryScope, key: string): string {
    return `${this.keyPrefix}:entry:${scopePrefix(scope.workspace, scope.namespace)}${key}`;
  }

  private namespacesKey(workspace: string): string {
    return `${this.keyPrefix}:namespaces:${encodeURIComponent(workspace)}`;
  }
}

/** Escapes Redis glob characters, so a prefix matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^]/g, (character) => `\\${character}`);
}
