export { ApiKeyVerifier, principalOf, type ApiKeyVerifierOptions, type KeyVerifierStats } from './api-key-verifier';
export { KeyCache, type CachedKey, type KeyCacheOptions } from './key-cache';
export { invalidApiKey } from './key-errors';
export { KEY_LENGTH, KEY_PREFIX, displayPrefix, generateKey, isWellFormedKey, keyHmac } from './key-format';
export { KEY_HASH_SECRET_ENV, resolveKeyHashSecret } from './key-hash-secret';
export {
  InProcessKeyInvalidationBus,
  KEY_INVALIDATION_CHANNEL,
  RedisKeyInvalidationBus,
  type KeyInvalidation,
  type KeyInvalidationBus,
  type RedisKeyInvalidationOptions,
} from './key-invalidation';
export { parseScopes, scopeAllowsEndpoint, scopeAllowsModel } from './key-scopes';
export { DEFAULT_ROTATION_OVERLAP_SECONDS, KeyService, keyStatus, type CreateKeyInput, type IssuedKey } from './key-service';
export { createKeyVerification, type KeyVerification, type KeyVerificationOptions } from './create-key-verifier';
