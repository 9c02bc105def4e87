import { ANONYMOUS_PRINCIPAL } from '@switchyard/shared';
import { KeyCache, type CachedKey } from './key-cache';

const positive = (keyId: string): CachedKey => ({ valid: true, keyId, principal: ANONYMOUS_PRINCIPAL, validUntil: Infinity });

describe('KeyCache', () => {
  let time = 1_000;
  const now = () => time;

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const cache = new KeyCache({ maxEntries: 2, now });
    cache.set('a', positive('key_a'), cache.generation);
    cache.set('b', positive('key_b'), cache.generation);
    expect(cache.get('a')).toBeDefined(); // a is now the most recent
    cache.set('c', positive('key_c'), cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });

  it('forgets positive entries after the TTL and negative ones after theirs', () => {
    const cache = new KeyCache({ ttlMs: 100, negativeTtlMs: 10, now });
    cache.set('good', positive('key_good'), cache.generation);
    cache.set('bad', { valid: false, keyId: null }, cache.generation);
    time += 10;
    expect(cache.get('bad')).toBeUndefined();
    expect(cache.get('good')).toBeDefined();
    time += 90;
    expect(cache.get('good')).toBeUndefined();
  });

  it('invalidates by key id, and drops a lookup that began before the invalidation', () => {
    const cache = new KeyCache({ now });
    cache.set('h1', positive('key_1'), cache.generation);
    const before = cache.generation;
    cache.invalidateKey('key_1');
    expect(cache.get('h1')).toBeUndefined();
    cache.set('h1', positive('key_1'), before);
    expect(cache.get('h1')).toBeUndefined();
    cache.set('h1', positive('key_1'), cache.generation);
    expect(cache.get('h1')).toBeDefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
