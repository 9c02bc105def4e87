import { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '@switchyard/shared';

/** A message that a key changed (revoked, rotated, edited) and must be looked up again. */
export interface KeyInvalidation {
  keyId: string;
}

/**
 * How a key change reaches every verifier: in process with one process, over
 * Redis pub/sub between replicas. Listeners run for changes published here
 * and anywhere else.
 */
export interface KeyInvalidationBus {
  publish(invalidation: KeyInvalidation): Promise<void>;
  /** `listener` runs for every invalidation; `onResync` when some may have been missed (a reconnect). */
  subscribe(listener: (invalidation: KeyInvalidation) => void, onResync?: () => void): () => void;
  close(): Promise<void>;
}

/** One process: an event emitter. */
export class InProcessKeyInvalidationBus implements KeyInvalidationBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(invalidation: KeyInvalidation): Promise<void> {
    this.emitter.emit('invalidation', invalidation);
  }

  subscribe(listener: (invalidation: KeyInvalidation) => void): () => void {
    this.emitter.on('invalidation', listener);
    return () => this.emitter.off('invalidation', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** How long a start waits for Redis to confirm the subscription. */
const SUBSCRIBE_WAIT_MS = 3_000;

export const KEY_INVALIDATION_CHANNEL = 'switchyard:auth:key-invalidations';

export interface RedisKeyInvalidationOptions {
  /** `redis://[user:password@]host:port[/db]` */
  url: string;
  /** Default `switchyard:auth:key-invalidations`; tests use a channel of their own. */
  channel?: string;
  logger?: Logger;
  redisOptions?: RedisOptions;
}

/**
 * Redis pub/sub: one connection publishes, one listens (a subscribed
 * connection can do nothing else). Messages published while the listener
 * was disconnected are lost, so every reconnect asks the verifiers to
 * forget everything they cached.
 */
export class RedisKeyInvalidationBus implements KeyInvalidationBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly local = new InProcessKeyInvalidationBus();
  private readonly resyncListeners = new Set<() => void>();

  private constructor(options: RedisKeyInvalidationOptions, RedisClient: typeof Redis) {
    this.channel = options.channel ?? KEY_INVALIDATION_CHANNEL;
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.publisher = new RedisClient(options.url, redisOptions);
    this.subscriber = new RedisClient(options.url, redisOptions);
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an unreachable Redis would crash the process; ioredis reconnects by itself.
      connection.on('error', (error: Error) => options.logger?.warn({ err: { message: error.message } }, 'key-invalidation-redis-error'));
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const invalidation = parseInvalidation(message);
      if (invalidation !== undefined) void this.local.publish(invalidation);
    });
  }

  /**
   * Connects both connections and resolves once the subscription is in
   * place, or after `SUBSCRIBE_WAIT_MS` when Redis does not answer: the
   * process starts without it (logged), ioredis keeps reconnecting and
   * subscribes when Redis answers; until then other replicas' revocations
   * reach this one only when its cache entries expire.
   */
  static async connect(options: RedisKeyInvalidationOptions): Promise<RedisKeyInvalidationBus> {
    // ioredis is loaded where Redis is configured, not at start (one process without Redis never loads it).
    const bus = new RedisKeyInvalidationBus(options, (await import('ioredis')).Redis);
    let timer: NodeJS.Timeout | undefined;
    const subscribed = bus.subscriber.subscribe(bus.channel).then(
      () => true,
      (error: Error) => {
        options.logger?.warn({ err: { message: error.message } }, 'key-invalidation-subscribe-failed');
        return false;
      },
    );
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS);
      timer.unref();
    });
    const inPlace = await Promise.race([subscribed, waited]);
    clearTimeout(timer);
    if (!inPlace) {
      options.logger?.warn(
        { channel: bus.channel },
        'key-invalidation-redis-unreachable: starting without it; revocations from other replicas wait for the cache TTL until it answers',
      );
    }
    // Every 'ready' after this is a reconnect: what was published in between is gone, so the cache is
    // dropped; the subscription is made again (a no-op when ioredis already restored it).
    void subscribed.then(() =>
      bus.subscriber.on('ready', () => {
        bus.subscriber
          .subscribe(bus.channel)
          .catch((error: Error) => options.logger?.warn({ err: { message: error.message } }, 'key-invalidation-subscribe-failed'));
        for (const listener of bus.resyncListeners) listener();
      }),
    );
    return bus;
  }

  async publish(invalidation: KeyInvalidation): Promise<void> {
    // This process forgets the key at once; the others when Redis delivers (this one hears its echo too, harmlessly).
    await this.local.publish(invalidation);
    await this.publisher.publish(this.channel, JSON.stringify(invalidation));
  }

  subscribe(listener: (invalidation: KeyInvalidation) => void, onResync?: () => void): () => void {
    const unsubscribe = this.local.subscribe(listener);
    if (onResync) this.resyncListeners.add(onResync);
    return () => {
      unsubscribe();
      if (onResync) this.resyncListeners.delete(onResync);
    };
  }

  async close(): Promise<void> {
    await this.local.close();
    this.resyncListeners.clear();
    await Promise.all([
      this.publisher.quit().catch(() => this.publisher.disconnect()),
      this.subscriber.quit().catch(() => this.subscriber.disconnect()),
    ]);
  }
}

function parseInvalidation(message: string): KeyInvalidation | undefined {
  try {
    const parsed = JSON.parse(message) as { keyId?: unknown };
    return typeof parsed.keyId === 'string' ? { keyId: parsed.keyId } : undefined;
  } catch {
    return undefined;
  }
}
