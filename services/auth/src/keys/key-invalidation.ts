import {
  InProcessChangeBus,
  parseJsonObject,
  RedisChangeBus,
  type ChangeBus,
  type ChangeKind,
  type RedisChangeBusOptions,
} from '../change-bus/change-bus';

/** A message that a key changed (revoked, rotated, edited) and must be looked up again. */
export interface KeyInvalidation {
  keyId: string;
}

/** How a key change reaches every verifier: in process with one process, over Redis pub/sub between replicas. */
export type KeyInvalidationBus = ChangeBus<KeyInvalidation>;

/** One process: an event emitter. */
export class InProcessKeyInvalidationBus extends InProcessChangeBus<KeyInvalidation> {}

export const KEY_INVALIDATION_CHANNEL = 'switchyard:auth:key-invalidations';

/** `channel` defaults to `switchyard:auth:key-invalidations`. */
export type RedisKeyInvalidationOptions = RedisChangeBusOptions;

const KEY_INVALIDATIONS: ChangeKind<KeyInvalidation> = {
  defaultChannel: KEY_INVALIDATION_CHANNEL,
  logName: 'key-invalidation',
  unreachable: 'starting without it; revocations from other replicas wait for the cache TTL until it answers',
  parse: (message) => {
    const keyId = parseJsonObject(message)?.keyId;
    return typeof keyId === 'string' ? { keyId } : undefined;
  },
};

/** Key changes over Redis pub/sub; every reconnect asks the verifiers to forget everything they cached. */
export type RedisKeyInvalidationBus = RedisChangeBus<KeyInvalidation>;
export const RedisKeyInvalidationBus = {
  connect: (options: RedisKeyInvalidationOptions): Promise<RedisKeyInvalidationBus> => RedisChangeBus.connect(options, KEY_INVALIDATIONS),
};
