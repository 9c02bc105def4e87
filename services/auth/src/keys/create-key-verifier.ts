import type { Logger } from '@switchyard/shared';
import type { GovernanceStore } from '../storage/governance-store';
import { ApiKeyVerifier } from './api-key-verifier';
import type { KeyCacheOptions } from './key-cache';
import { resolveKeyHashSecret } from './key-hash-secret';
import { InProcessKeyInvalidationBus, RedisKeyInvalidationBus, type KeyInvalidationBus } from './key-invalidation';

export interface KeyVerificationOptions {
  store: GovernanceStore;
  /** Redis for invalidations between replicas; none: one process, invalidations in process. */
  redisUrl?: string;
  /** Default `process.env` (for `SWITCHYARD_KEY_HASH_SECRET`). */
  env?: NodeJS.ProcessEnv;
  cache?: KeyCacheOptions;
  logger?: Logger;
}

/** The pieces a process needs to verify keys and to change them: share `invalidations` and `keyHashSecret` with the admin router. */
export interface KeyVerification {
  verifier: ApiKeyVerifier;
  invalidations: KeyInvalidationBus;
  keyHashSecret: Buffer;
  close(): Promise<void>;
}

/** Resolves the key hash secret, connects the invalidation bus and starts a verifier on them. */
export async function createKeyVerification(options: KeyVerificationOptions): Promise<KeyVerification> {
  const keyHashSecret = await resolveKeyHashSecret(options.store, options.env);
  const invalidations: KeyInvalidationBus =
    options.redisUrl === undefined
      ? new InProcessKeyInvalidationBus()
      : await RedisKeyInvalidationBus.connect({ url: options.redisUrl, logger: options.logger });
  const verifier = new ApiKeyVerifier({ store: options.store, secret: keyHashSecret, invalidations, cache: options.cache });
  return {
    verifier,
    invalidations,
    keyHashSecret,
    close: async () => {
      verifier.close();
      await invalidations.close();
    },
  };
}
