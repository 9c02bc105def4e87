import { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '@switchyard/shared';

/**
 * How a change of something every gateway caches (a key, a prompt's labels)
 * reaches them all: in process with one process, over Redis pub/sub between
 * replicas. Listeners run for changes published here and anywhere else.
 */
export interface ChangeBus<T> {
  publish(change: T): Promise<void>;
  /** `listener` runs for every change; `onResync` when some may have been missed (a reconnect). */
  subscribe(listener: (change: T) => void, onResync?: () => void): () => void;
  close(): Promise<void>;
}

/** One process: an event emitter. */
export class InProcessChangeBus<T> implements ChangeBus<T> {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(change: T): Promise<void> {
    this.emitter.emit('change', change);
  }

  subscribe(listener: (change: T) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** How long a start waits for Redis to confirm the subscription. */
const SUBSCRIBE_WAIT_MS = 3_000;

export interface RedisChangeBusOptions {
  /** `redis://[user:password@]host:port[/db]` */
  url: string;
  /** The bus's own channel by default; tests use a channel of their own. */
  channel?: string;
  logger?: Logger;
  redisOptions?: RedisOptions;
}

/** What tells one kind of change from another on Redis: its channel, its message and its log events. */
export interface ChangeKind<T> {
  defaultChannel: string;
  /** The prefix of its log events (`key-invalidation` → `key-invalidation-redis-error`). */
  logName: string;
  /** Logged when Redis does not answer at start: what happens meanwhile. */
  unreachable: string;
  /** Undefined for a message that is not one (ignored). */
  parse(message: string): T | undefined;
}

/**
 * Redis pub/sub: one connection publishes, one listens (a subscribed
 * connection can do nothing else). Messages published while the listener
 * was disconnected are lost, so every reconnect asks the caches to forget
 * everything (`onResync`).
 */
export class RedisChangeBus<T> implements ChangeBus<T> {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly local = new InProcessChangeBus<T>();
  private readonly resyncListeners = new Set<() => void>();

  private constructor(options: RedisChangeBusOptions, kind: ChangeKind<T>, RedisClient: typeof Redis) {
    this.channel = options.channel ?? kind.defaultChannel;
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.publisher = new RedisClient(options.url, redisOptions);
    this.subscriber = new RedisClient(options.url, redisOptions);
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an unreachable Redis would crash the process; ioredis reconnects by itself.
      connection.on('error', (error: Error) => options.logger?.warn({ err: { message: error.message } }, `${kind.logName}-redis-error`));
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const change = kind.parse(message);
      if (change !== undefined) void this.local.publish(change);
    });
  }

  /**
   * Connects both connections and resolves once the subscription is in
   * place, or after `SUBSCRIBE_WAIT_MS` when Redis does not answer: the
   * process starts without it (logged), ioredis keeps reconnecting and
   * subscribes when Redis answers; until then other replicas' changes reach
   * this one only when its cache entries expire.
   */
  static async connect<T>(options: RedisChangeBusOptions, kind: ChangeKind<T>): Promise<RedisChangeBus<T>> {
    // ioredis is loaded where Redis is configured, not at start (one process without Redis never loads it).
    const bus = new RedisChangeBus(options, kind, (await import('ioredis')).Redis);
    const subscribeFailed = (error: Error) => options.logger?.warn({ err: { message: error.message } }, `${kind.logName}-subscribe-failed`);
    let timer: NodeJS.Timeout | undefined;
    const subscribed = bus.subscriber.subscribe(bus.channel).then(
      () => true,
      (error: Error) => {
        subscribeFailed(error);
        return false;
      },
    );
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS);
      timer.unref();
    });
    const inPlace = await Promise.race([subscribed, waited]);
    clearTimeout(timer);
    if (!inPlace) options.logger?.warn({ channel: bus.channel }, `${kind.logName}-redis-unreachable: ${kind.unreachable}`);
    // Every 'ready' after this is a reconnect: what was published in between is gone, so the caches are
    // dropped; the subscription is made again (a no-op when ioredis already restored it).
    void subscribed.then(() =>
      bus.subscriber.on('ready', () => {
        bus.subscriber.subscribe(bus.channel).catch(subscribeFailed);
        for (const listener of bus.resyncListeners) listener();
      }),
    );
    return bus;
  }

  async publish(change: T): Promise<void> {
    // This process hears it at once; the others when Redis delivers (this one hears its echo too, harmlessly).
    await this.local.publish(change);
    await this.publisher.publish(this.channel, JSON.stringify(change));
  }

  subscribe(listener: (change: T) => void, onResync?: () => void): () => void {
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

/** A JSON message's object, or undefined when it is not one. */
export function parseJsonObject(message: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(message);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
