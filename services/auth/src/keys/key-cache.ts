import type { Principal } from '@switchyard/shared';

/** A verified key (positive) or a key known not to work (negative). */
export type CachedKey =
  | {
      valid: true;
      keyId: string;
      principal: Principal;
      /** Epoch ms after which the key stops working by itself (expiry, rotation overlap end); Infinity if never. */
      validUntil: number;
    }
  | { valid: false; keyId: string | null };

interface Entry {
  value: CachedKey;
  /** Epoch ms when the entry goes stale and the database is asked again. */
  staleAt: number;
}

export interface KeyCacheOptions {
  /** Most entries kept; the least recently used go first. Default 10,000. */
  maxEntries?: number;
  /** How long a verified key is trusted without asking the database again; default 60 s. */
  ttlMs?: number;
  /** How long an unknown or dead key is remembered; default 10 s. */
  negativeTtlMs?: number;
  now?: () => number;
}

/**
 * Verified keys by HMAC, in process: a hit is a Map lookup. Bounded (least
 * recently used evicted) and time-limited, so a missed invalidation heals
 * within the TTL. Invalidation by key id bumps a generation number, so a
 * database lookup that started before the invalidation cannot put its
 * stale answer back afterwards.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly hmacsByKeyId = new Map<string, string>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly now: () => number;
  private generationNumber = 0;

  constructor(options: KeyCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Changes whenever something is invalidated; pass it back to `set`. */
  get generation(): number {
    return this.generationNumber;
  }

  get(hmac: string): CachedKey | undefined {
    const entry = this.entries.get(hmac);
    if (entry === undefined) return undefined;
    if (entry.staleAt <= this.now()) {
      this.delete(hmac, entry);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order, so re-inserting moves it.
    this.entries.delete(hmac);
    this.entries.set(hmac, entry);
    return entry.value;
  }

  /** Stores `value` unless something was invalidated since `generation` was read. */
  set(hmac: string, value: CachedKey, generation: number): void {
    if (generation !== this.generationNumber) return;
    const previous = this.entries.get(hmac);
    if (previous !== undefined) this.delete(hmac, previous);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest, this.entries.get(oldest)!);
    }
    this.entries.set(hmac, { value, staleAt: this.now() + (value.valid ? this.ttlMs : this.negativeTtlMs) });
    if (value.keyId !== null) this.hmacsByKeyId.set(value.keyId, hmac);
  }

  /** Forgets a key (revoked, rotated, changed). */
  invalidateKey(keyId: string): void {
    this.generationNumber += 1;
    const hmac = this.hmacsByKeyId.get(keyId);
    if (hmac !== undefined) {
      const entry = this.entries.get(hmac);
      if (entry !== undefined) this.delete(hmac, entry);
    }
  }

  /** Forgets everything (invalidations may have been missed, e.g. while Redis was away). */
  clear(): void {
    this.generationNumber += 1;
    this.entries.clear();
    this.hmacsByKeyId.clear();
  }

  private delete(hmac: string, entry: Entry): void {
    this.entries.delete(hmac);
    if (entry.value.keyId !== null && this.hmacsByKeyId.get(entry.value.keyId) === hmac) this.hmacsByKeyId.delete(entry.value.keyId);
  }
}
