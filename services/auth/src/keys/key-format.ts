import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Virtual API keys: `sk-sy-` and 43 base64url characters (32 random bytes).
 * Only an HMAC-SHA256 of the key under the server's key hash secret is
 * stored, so a copy of the database alone does not let anyone call the API.
 */
export const KEY_PREFIX = 'sk-sy-';
export const KEY_LENGTH = KEY_PREFIX.length + 43;
/** Characters of a key shown in lists: the prefix and the first four random ones. */
const DISPLAY_LENGTH = KEY_PREFIX.length + 4;
const BASE64URL = /^[A-Za-z0-9_-]{43}$/;

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function generateKeyId(): string {
  return `key_${randomBytes(12).toString('base64url')}`;
}

/** Whether `candidate` is shaped like a key; checked before anything else is spent on it. */
export function isWellFormedKey(candidate: string): boolean {
  return candidate.length === KEY_LENGTH && candidate.startsWith(KEY_PREFIX) && BASE64URL.test(candidate.slice(KEY_PREFIX.length));
}

/** `sk-sy-ab12…`: enough to recognise a key, far too little to use it. */
export function displayPrefix(key: string): string {
  return `${key.slice(0, DISPLAY_LENGTH)}…`;
}

/** The key's HMAC-SHA256 under the server secret, hex: what is stored and looked up. */
export function keyHmac(secret: Buffer, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
