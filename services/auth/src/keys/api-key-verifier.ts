import type { KeyVerifier, Principal } from '@switchyard/shared';
import type { ApiKeyRecord } from '../organizations/governance-model';
import type { GovernanceStore } from '../storage/governance-store';
import { KeyCache, type CachedKey, type KeyCacheOptions } from './key-cache';
import { invalidApiKey } from './key-errors';
import { isWellFormedKey, keyHmac, sameDigest } from './key-format';
import type { KeyInvalidationBus } from './key-invalidation';

export interface ApiKeyVerifierOptions {
  store: GovernanceStore;
  /** The key hash secret (`resolveKeyHashSecret`). */
  secret: Buffer;
  /** Where key changes are announced: in process, or Redis between replicas. */
  invalidations: KeyInvalidationBus;
  cache?: KeyCacheOptions;
  now?: () => number;
}

/** Counters for tests and metrics. */
export interface KeyVerifierStats {
  /** Answered from the cache. */
  hits: number;
  /** Looked up in the database. */
  lookups: number;
  /** Refused before any lookup: not shaped like a key. */
  malformed: number;
}

/**
 * Resolves `sk-sy-…` keys to principals: the shape first (no database hit
 * for a malformed key), then the in-process cache by HMAC, then the
 * database. Revocations and rotations anywhere reach the cache through the
 * invalidation bus.
 */
export class ApiKeyVerifier implements KeyVerifier {
  readonly stats: KeyVerifierStats = { hits: 0, lookups: 0, malformed: 0 };
  private readonly cache: KeyCache;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: ApiKeyVerifierOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new KeyCache({ now: this.now, ...options.cache });
    this.unsubscribe = options.invalidations.subscribe(
      (invalidation) => this.cache.invalidateKey(invalidation.keyId),
      () => this.cache.clear(),
    );
  }

  /** Entries in the cache. */
  get cacheSize(): number {
    return this.cache.size;
  }

  async verify(key: string): Promise<Principal> {
    if (typeof key !== 'string' || !isWellFormedKey(key)) {
      this.stats.malformed += 1;
      throw invalidApiKey();
    }
    const hmac = keyHmac(this.options.secret, key);
    const cached = this.cache.get(hmac);
    if (cached !== undefined) {
      this.stats.hits += 1;
      return this.answer(cached);
    }
    this.stats.lookups += 1;
    const generation = this.cache.generation;
    const record = await this.options.store.findKeyByHmac(hmac);
    const entry: CachedKey =
      record !== undefined && sameDigest(record.hmac, hmac) && record.revokedAt === null
        ? { valid: true, keyId: record.id, principal: principalOf(record), validUntil: validUntil(record) }
        : { valid: false, keyId: record?.id ?? null };
    this.cache.set(hmac, entry, generation);
    return this.answer(entry);
  }

  /** Stops listening for invalidations (the bus is the caller's to close). */
  close(): void {
    this.unsubscribe();
    this.cache.clear();
  }

  private answer(entry: CachedKey): Principal {
    if (!entry.valid || entry.validUntil <= this.now()) throw invalidApiKey();
    return entry.principal;
  }
}

/** The end of a key's life that needs no revocation: its expiry, or the end of its rotation overlap. */
function validUntil(record: ApiKeyRecord): number {
  const ends = [record.expiresAt, record.rotationOverlapEndsAt].filter((date): date is Date => date !== null).map((date) => date.getTime());
  return ends.length === 0 ? Infinity : Math.min(...ends);
}

/** A key acts for its own workspace only, with its own role and scopes. */
export function principalOf(record: ApiKeyRecord): Principal {
  const workspaces = Object.freeze([record.workspace]);
  return Object.freeze({
    kind: 'api_key',
    keyId: record.id,
    subject: record.createdBy,
    organization: record.organization,
    workspace: record.workspace,
    role: record.role,
    readableWorkspaces: workspaces,
    actableWorkspaces: workspaces,
    scopes: Object.freeze({ ...record.scopes }),
  });
}
