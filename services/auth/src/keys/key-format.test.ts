import { KEY_LENGTH, displayPrefix, generateKey, isWellFormedKey, keyHmac, sameDigest } from './key-format';

describe('key format', () => {
  it('is sk-sy- and 43 base64url characters of 32 random bytes', () => {
    const key = generateKey();
    expect(key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(key).toHaveLength(KEY_LENGTH);
    expect(Buffer.from(key.slice(6), 'base64url')).toHaveLength(32);
    expect(generateKey()).not.toBe(key);
    expect(isWellFormedKey(key)).toBe(true);
  });

  it.each([
    ['the wrong prefix', 'sk-xx-' + 'a'.repeat(43)],
    ['an OpenAI key', 'sk-proj-' + 'a'.repeat(41)],
    ['one character short', 'sk-sy-' + 'a'.repeat(42)],
    ['one character long', 'sk-sy-' + 'a'.repeat(44)],
    ['a character outside base64url', 'sk-sy-' + 'a'.repeat(42) + '+'],
    ['empty', ''],
  ])('refuses %s', (_case, candidate) => {
    expect(isWellFormedKey(candidate)).toBe(false);
  });

  it('shows only the prefix and four characters', () => {
    expect(displayPrefix('sk-sy-ab12' + 'z'.repeat(39))).toBe('sk-sy-ab12…');
  });

  it('hashes with the server secret: another secret, another HMAC', () => {
    const key = generateKey();
    const one = keyHmac(Buffer.from('a'.repeat(32)), key);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHmac(Buffer.from('a'.repeat(32)), key)).toBe(one);
    expect(keyHmac(Buffer.from('b'.repeat(32)), key)).not.toBe(one);
    expect(sameDigest(one, one)).toBe(true);
    expect(sameDigest(one, keyHmac(Buffer.from('b'.repeat(32)), key))).toBe(false);
    expect(sameDigest(one, one.slice(0, 62))).toBe(false);
  });
});
