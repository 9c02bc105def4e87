import { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '@switchyard/shared';

export const LIMIT_CHANGES_CHANNEL = 'switchyard:auth:limit-changes';

/**
 * How a change of the stored rate limits and budgets reaches every gateway:
 * in process with one process, over Redis pub/sub between replicas. The
 * message carries nothing but "reload": the rules are read from the database.
 */
export interface LimitChangeBus {
  publish(): Promise<void>;
  /** `listener` runs for every change published here or elsewhere, and when some may have been missed (a reconnect). */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

export class InProcessLimitChangeBus implements LimitChangeBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(): Promise<void> {
    this.emitter.emit('change');
  }

  subscribe(listener: () => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const SUBSCRIBE_WAIT_MS = 3_000;

/** One connection publishes, one listens; every reconnect counts as a change (what was sent meanwhile is lost). */
export class RedisLimitChangeBus implements LimitChangeBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly local = new InProcessLimitChangeBus();

  private constructor(
    private readonly channel: string,
    url: string,
    private readonly logger: Logger | undefined,
    redisOptions: RedisOptions | undefined,
    RedisClient: typeof Redis,
  ) {
    const options: RedisOptions = { maxRetriesPerRequest: 2, ...redisOptions };
    this.publisher = new RedisClient(url, options);
    this.subscriber = new RedisClient(url, options);
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: Error) => logger?.warn({ err: { message: error.message } }, 'limit-changes-redis-error'));
    }
    this.subscriber.on('message', (from: string) => {
      if (from === this.channel) void this.local.publish();
    });
  }

  /** Resolves once subscribed, or after 3 s without Redis (logged; the periodic reload covers the gap). */
  static async connect(options: { url: string; channel?: string; logger?: Logger; redisOptions?: RedisOptions }): Promise<RedisLimitChangeBus> {
    // ioredis is loaded where Redis is configured, not at start (one process without Redis never loads it).
    const { Redis: RedisClient } = await import('ioredis');
    const bus = new RedisLimitChangeBus(options.channel ?? LIMIT_CHANGES_CHANNEL, options.url, options.logger, options.redisOptions, RedisClient);
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
      options.logger?.warn({ channel: bus.channel }, 'limit-changes-redis-unreachable: other replicas’ changes arrive with the periodic reload');
    void subscribed.then(() =>
      bus.subscriber.on('ready', () => {
        bus.subscriber.subscribe(bus.channel).catch(() => undefined);
        void bus.local.publish();
      }),
    );
    return bus;
  }

  async publish(): Promise<void> {
    await this.local.publish();
    await this.publisher.publish(this.channel, 'reload');
  }

  subscribe(listener: () => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.local.close();
    await Promise.all([
      this.publisher.quit().catch(() => this.publisher.disconnect()),
      this.subscriber.quit().catch(() => this.subscriber.disconnect()),
    ]);
  }
}
