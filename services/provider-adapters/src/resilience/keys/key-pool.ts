import type { RateLimitReading } from './rate-limit-headers';

/** A reading older than this says little about the key now (limits refill): it no longer ranks the key. */
const READING_TTL_MS = 60_000;

interface KeyState {
  /** Position in the provider's config (`apiKey`, then `apiKeys`): how logs and metrics name a key, never by its value. */
  index: number;
  coolingUntil: number;
  remainingRequests?: number;
  remainingTokens?: number;
  readAt: number;
}

export interface KeyPoolOptions {
  /** How many keys the provider has. */
  size: number;
  /** How long a key that got a 429 without Retry-After is left out. */
  cooldownMs: number;
  now?: () => number;
}

/**
 * The keys of one provider: which one the next call takes, and which are
 * cooling down after a 429. The next call takes the key with the most
 * requests left (then tokens left) by the provider's last rate-limit
 * headers; a key never read yet counts as full; ties go round the keys in
 * turn. A key cooling down is taken only when every key is (the soonest
 * back first), since the gate skips the deployment then.
 */
export class KeyPool {
  private readonly keys: KeyState[];
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private turn = 0;

  constructor(options: KeyPoolOptions) {
    if (options.size < 1) throw new Error('a key pool needs at least one key');
    this.keys = Array.from({ length: options.size }, (_, index) => ({ index, coolingUntil: 0, readAt: 0 }));
    this.cooldownMs = options.cooldownMs;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Whether some key is not cooling down. */
  available(): boolean {
    const now = this.now();
    return this.keys.some((key) => key.coolingUntil <= now);
  }

  /** When the first cooling key is back, when every key is cooling; undefined otherwise. */
  availableAt(): number | undefined {
    return this.available() ? undefined : Math.min(...this.keys.map((key) => key.coolingUntil));
  }

  /** The index of the key the next call should use; counts the call against the key's remaining requests. */
  pick(): number {
    const now = this.now();
    const start = this.turn;
    this.turn = (this.turn + 1) % this.keys.length;
    let best: KeyState | undefined;
    for (let offset = 0; offset < this.keys.length; offset += 1) {
      const key = this.keys[(start + offset) % this.keys.length];
      if (best === undefined || better(key, best, now)) best = key;
    }
    const chosen = best as KeyState;
    // Calls in flight have not reported yet: count this one so concurrent calls spread.
    if (chosen.remainingRequests !== undefined && chosen.remainingRequests > 0) chosen.remainingRequests -= 1;
    return chosen.index;
  }

  /** What an answer to a call made with key `index` said: its status and rate-limit headers. */
  observe(index: number, status: number, reading: RateLimitReading): void {
    const key = this.keys[index];
    if (!key) return;
    const now = this.now();
    if (reading.remainingRequests !== undefined || reading.remainingTokens !== undefined) {
      key.remainingRequests = reading.remainingRequests;
      key.remainingTokens = reading.remainingTokens;
      key.readAt = now;
    }
    if (status === 429) key.coolingUntil = Math.max(key.coolingUntil, now + (reading.retryAfterMs ?? this.cooldownMs));
  }

  /** Per key, for diagnostics: cooling or not, and what is known of its limits. */
  describe(): Array<{ index: number; coolingForMs: number; remainingRequests?: number; remainingTokens?: number }> {
    const now = this.now();
    return this.keys.map((key) => ({
      index: key.index,
      coolingForMs: Math.max(0, key.coolingUntil - now),
      ...(fresh(key, now) ? { remainingRequests: key.remainingRequests, remainingTokens: key.remainingTokens } : {}),
    }));
  }
}

function fresh(key: KeyState, now: number): boolean {
  return key.readAt > 0 && now - key.readAt <= READING_TTL_MS;
}

/** Whether `candidate` should be taken over `current`: not cooling, then most requests left, then most tokens left. */
function better(candidate: KeyState, current: KeyState, now: number): boolean {
  const candidateCooling = candidate.coolingUntil > now;
  const currentCooling = current.coolingUntil > now;
  if (candidateCooling !== currentCooling) return !candidateCooling;
  if (candidateCooling) return candidate.coolingUntil < current.coolingUntil;
  const requests = compare(left(candidate, 'remainingRequests', now), left(current, 'remainingRequests', now));
  if (requests !== 0) return requests > 0;
  return compare(left(candidate, 'remainingTokens', now), left(current, 'remainingTokens', now)) > 0;
}

function left(key: KeyState, field: 'remainingRequests' | 'remainingTokens', now: number): number {
  return fresh(key, now) ? (key[field] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
}

function compare(a: number, b: number): number {
  return a === b ? 0 : a > b ? 1 : -1;
}
