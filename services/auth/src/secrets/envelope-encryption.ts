import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretDecryptionError, type KeyManagementService } from './key-management-service';

/**
 * A secret sealed in an envelope: encrypted with a data key of its own
 * (AES-256-GCM), the data key wrapped by the master key `keyId`. Rotating
 * the master key re-wraps `wrappedKey`; the ciphertext never changes.
 */
export interface SealedSecret {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  wrappedKey: Buffer;
  keyId: string;
}

/**
 * Encrypts `plaintext` under a fresh data key. `context` (the secret's id)
 * is bound as associated data: a ciphertext copied into another secret's
 * row does not decrypt there.
 */
export async function sealSecret(plaintext: string, kms: KeyManagementService, context: string): Promise<SealedSecret> {
  const dataKey = randomBytes(32);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext, iv, tag: cipher.getAuthTag(), wrappedKey: await kms.wrap(dataKey), keyId: kms.keyId };
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts a sealed secret; a `SecretDecryptionError` says whether the wrapped key or the ciphertext failed. */
export async function openSecret(sealed: SealedSecret, kms: KeyManagementService, context: string): Promise<string> {
  const dataKey = await kms.unwrap(sealed.wrappedKey, sealed.keyId);
  try {
    if (sealed.iv.length !== 12 || sealed.tag.length !== 16) {
      throw new SecretDecryptionError('ciphertext_rejected', `The secret ${context} has a malformed IV or authentication tag.`);
    }
    const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    try {
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        'ciphertext_rejected',
        `The secret ${context} failed its integrity check: its ciphertext, IV or authentication tag was altered, or it belongs to another secret.`,
      );
    }
  } finally {
    dataKey.fill(0);
  }
}

/** The same secret with its data key wrapped by `to` instead; the ciphertext, IV and tag are untouched. */
export async function rewrapSecret(sealed: SealedSecret, from: KeyManagementService, to: KeyManagementService): Promise<SealedSecret> {
  const dataKey = await from.unwrap(sealed.wrappedKey, sealed.keyId);
  try {
    return { ...sealed, wrappedKey: await to.wrap(dataKey), keyId: to.keyId };
  } finally {
    dataKey.fill(0);
  }
}
