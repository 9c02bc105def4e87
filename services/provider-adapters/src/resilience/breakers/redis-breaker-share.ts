import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '@switchyard/shared';
import type { BreakerBoard, BreakerTransition } from './breaker-board';

/** How long a start waits for Redis to confirm the subscription. */
const SUBSCRIBE_WAIT_MS = 3_000;

export const BREAKER_KEY_PREFIX = 'switchyard:breakers';

export interface RedisBreakerShareOptions {
  /** `redis://[user:password@]host:port[/db]`, resolved. */
  url: string;
  /** The board whose opens and closes are shared. */
  board: BreakerBoard;
  /** How long an open state is kept in Redis: the breakers' `openMs`, after which each replica probes anyway. */
  openMs: number;
  /** Default `switchyard:breakers`; tests use a prefix of their own. */
  keyPrefix?: string;
  logger?: Logger;
  redisOptions?: RedisOptions;
}

interface BreakerMessage {
  deploymentId: string;
  state: 'open' | 'closed';
  /** The replica that decided it, so it does not apply its own echo. */
  origin: string;
}

/**
 * Shares breaker opens and closes between replicas. A replica whose breaker
 * opens writes `<prefix>:open:<deployment>` (expiring after `openMs`) and
 * publishes on `<prefix>:transitions`; the others open theirs on the message
 * (so within Redis's delivery time, well under a second). A close (a probe
 * succeeded) deletes the key and is published the same way. Half-open is
 * each replica's own: whichever probes first decides for all. A replica that
 * starts, or reconnects after missing messages, reads the keys.
 */
export class RedisBreakerShare {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly keyPrefix: string;
  private readonly origin = randomUUID();
  private readonly stopListening: () => void;
  /** Writes and publications not answered yet. */
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly options: RedisBreakerShareOptions,
    RedisClient: typeof Redis,
  ) {
    const prefix = options.keyPrefix ?? BREAKER_KEY_PREFIX;
    this.channel = `${prefix}:transitions`;
    this.keyPrefix = `${prefix}:open:`;
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.publisher = new RedisClient(options.url, redisOptions);
    this.subscriber = new RedisClient(options.url, redisOptions);
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an unreachable Redis would crash the process; ioredis reconnects by itself.
      connection.on('error', (error: Error) => options.logger?.warn({ err: { message: error.message } }, 'breaker-redis-error'));
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const parsed = parseMessage(message);
      if (parsed && parsed.origin !== this.origin) options.board.applyRemote(parsed.deploymentId, parsed.state);
    });
    this.stopListening = options.board.onTransition((transition) => this.share(transition));
  }

  /**
   * Subscribes and reads the breakers open elsewhere; resolves once done, or
   * after `SUBSCRIBE_WAIT_MS` when Redis does not answer: the breakers then
   * work in this process alone (logged) until it does.
   */
  static async connect(options: RedisBreakerShareOptions): Promise<RedisBreakerShare> {
    // ioredis is loaded where Redis is configured, not at start (one process without Redis never loads it).
    const share = new RedisBreakerShare(options, (await import('ioredis')).Redis);
    let timer: NodeJS.Timeout | undefined;
    const ready = share.subscriber
      .subscribe(share.channel)
      .then(() => share.resync())
      .then(
        () => true,
        (error: Error) => {
          options.logger?.warn({ err: { message: error.message } }, 'breaker-redis-subscribe-failed');
          return false;
        },
      );
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS);
      timer.unref();
    });
    const inPlace = await Promise.race([ready, waited]);
    clearTimeout(timer);
    if (!inPlace) options.logger?.warn({ channel: share.channel }, 'breaker-redis-unreachable: breakers are this process’s own until it answers');
    // Every 'ready' after this is a reconnect: transitions published meanwhile were missed, so the keys are read again.
    void ready.then(() =>
      share.subscriber.on('ready', () => {
        share.subscriber
          .subscribe(share.channel)
          .then(() => share.resync())
          .catch((error: Error) => options.logger?.warn({ err: { message: error.message } }, 'breaker-redis-resync-failed'));
      }),
    );
    return share;
  }

  /** Resolves once every transition shared so far is in Redis (or failed to get there). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    this.stopListening();
    await this.settled();
    await Promise.all([closeConnection(this.publisher), closeConnection(this.subscriber)]);
  }

  /** Opens here every breaker that is open in Redis. */
  private async resync(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.publisher.scan(cursor, 'MATCH', `${this.keyPrefix}*`, 'COUNT', 100);
      cursor = next;
      for (const key of keys) this.options.board.applyRemote(key.slice(this.keyPrefix.length), 'open');
    } while (cursor !== '0');
  }

  private share(transition: BreakerTransition): void {
    if (transition.remote || transition.state === 'half_open') return;
    const key = this.keyPrefix + transition.deploymentId;
    const message: BreakerMessage = { deploymentId: transition.deploymentId, state: transition.state, origin: this.origin };
    const stored = transition.state === 'open' ? this.publisher.set(key, this.origin, 'PX', this.options.openMs) : this.publisher.del(key);
    // Best effort: with Redis away, the breaker still works in this process.
    const shared = Promise.all([stored, this.publisher.publish(this.channel, JSON.stringify(message))])
      .catch((error: Error) =>
        this.options.logger?.warn({ err: { message: error.message }, deploymentId: transition.deploymentId }, 'breaker-share-failed'),
      )
      .finally(() => this.pending.delete(shared));
    this.pending.add(shared);
  }
}

function parseMessage(text: string): BreakerMessage | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<BreakerMessage>;
    if (typeof parsed.deploymentId !== 'string' || typeof parsed.origin !== 'string') return undefined;
    if (parsed.state !== 'open' && parsed.state !== 'closed') return undefined;
    return { deploymentId: parsed.deploymentId, state: parsed.state, origin: parsed.origin };
  } catch {
    return undefined;
  }
}

/** QUIT when connected; otherwise stop reconnecting at once (QUIT would wait on a connection that may never come). */
async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  await connection.quit().catch(() => connection.disconnect());
}
