import { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '@switchyard/shared';

/** A prompt whose labels moved (or that got a version): every cache forgets what it held of it. */
export interface PromptChange {
  workspace: string;
  name: string;
}

/**
 * How a label move reaches every gateway's prompt cache: in process with one
 * process, over Redis pub/sub between replicas (as key revocations do).
 */
export interface PromptChangeBus {
  publish(change: PromptChange): Promise<void>;
  /** `listener` runs for every change published here or elsewhere; `onResync` when some may have been missed (a reconnect). */
  subscribe(listener: (change: PromptChange) => void, onResync?: () => void): () => void;
  close(): Promise<void>;
}

export class InProcessPromptChangeBus implements PromptChangeBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(change: PromptChange): Promise<void> {
    this.emitter.emit('change', change);
  }

  subscribe(listener: (change: PromptChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export const PROMPT_CHANGES_CHANNEL = 'switchyard:auth:prompt-changes';
const SUBSCRIBE_WAIT_MS = 3_000;

export interface RedisPromptChangeOptions {
  url: string;
  /** Default `switchyard:auth:prompt-changes`; tests use a channel of their own. */
  channel?: string;
  logger?: Logger;
  redisOptions?: RedisOptions;
}

/**
 * One connection publishes, one listens. Messages sent while the listener
 * was away are lost, so every reconnect tells the caches to forget
 * everything (`onResync`).
 */
export class RedisPromptChangeBus implements PromptChangeBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly local = new InProcessPromptChangeBus();
  private readonly resyncListeners = new Set<() => void>();

  private constructor(options: RedisPromptChangeOptions, RedisClient: typeof Redis) {
    this.channel = options.channel ?? PROMPT_CHANGES_CHANNEL;
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.publisher = new RedisClient(options.url, redisOptions);
    this.subscriber = new RedisClient(options.url, redisOptions);
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an unreachable Redis would crash the process; ioredis reconnects by itself.
      connection.on('error', (error: Error) => options.logger?.warn({ err: { message: error.message } }, 'prompt-changes-redis-error'));
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const change = parseChange(message);
      if (change !== undefined) void this.local.publish(change);
    });
  }

  /** Resolves once subscribed, or after 3 s without Redis (logged; cache entries then expire on their own). */
  static async connect(options: RedisPromptChangeOptions): Promise<RedisPromptChangeBus> {
    // ioredis is loaded where Redis is configured, not at start.
    const bus = new RedisPromptChangeBus(options, (await import('ioredis')).Redis);
    let timer: NodeJS.Timeout | undefined;
    const subscribed = bus.subscriber.subscribe(bus.channel).then(
      () => true,
      () => false,
    );
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS);
      timer.unref();
    });
    const inPlace = await Promise.race([subscribed, waited]);
    clearTimeout(timer);
    if (!inPlace)
      options.logger?.warn(
        { channel: bus.channel },
        'prompt-changes-redis-unreachable: other replicas’ label moves arrive when cache entries expire',
      );
    void subscribed.then(() =>
      bus.subscriber.on('ready', () => {
        bus.subscriber.subscribe(bus.channel).catch(() => undefined);
        for (const listener of bus.resyncListeners) listener();
      }),
    );
    return bus;
  }

  async publish(change: PromptChange): Promise<void> {
    await this.local.publish(change);
    await this.publisher.publish(this.channel, JSON.stringify(change));
  }

  subscribe(listener: (change: PromptChange) => void, onResync?: () => void): () => void {
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

function parseChange(message: string): PromptChange | undefined {
  try {
    const parsed = JSON.parse(message) as { workspace?: unknown; name?: unknown };
    return typeof parsed.workspace === 'string' && typeof parsed.name === 'string' ? { workspace: parsed.workspace, name: parsed.name } : undefined;
  } catch {
    return undefined;
  }
}
