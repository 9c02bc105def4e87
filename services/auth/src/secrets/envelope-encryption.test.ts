import { randomBytes } from 'node:crypto';
import { openSecret, rewrapSecret, sealSecret, type SealedSecret } from './envelope-encryption';
import { SecretDecryptionError } from './key-management-service';
import { LocalKeyManagementService, localKeyManagementFromEnvironment } from './local-key-management-service';

const SECRET = 'sk-proj-the-provider-key-0123456789';

function flipFirstBit(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[0] ^= 0x01;
  return copy;
}

async function failure(promise: Promise<unknown>): Promise<SecretDecryptionError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SecretDecryptionError);
  expect((error as Error).message).not.toContain(SECRET);
  return error as SecretDecryptionError;
}

describe('envelope encryption', () => {
  const kms = new LocalKeyManagementService(randomBytes(32));
  let sealed: SealedSecret;

  beforeAll(async () => {
    sealed = await sealSecret(SECRET, kms, 'cred_1');
  });

  it('round-trips, with a fresh data key and IV for every secret', async () => {
    expect(await openSecret(sealed, kms, 'cred_1')).toBe(SECRET);
    expect(sealed.ciphertext.toString('utf8')).not.toContain('provider-key');
    const again = await sealSecret(SECRET, kms, 'cred_1');
    expect(again.ciphertext.equals(sealed.ciphertext)).toBe(false);
    expect(again.wrappedKey.equals(sealed.wrappedKey)).toBe(false);
    expect(sealed.keyId).toBe(kms.keyId);
    expect(kms.keyId).toMatch(/^local-[0-9a-f]{16}$/);
  });

  it('refuses a modified ciphertext', async () => {
    const error = await failure(openSecret({ ...sealed, ciphertext: flipFirstBit(sealed.ciphertext) }, kms, 'cred_1'));
    expect(error.problem).toBe('ciphertext_rejected');
    expect(error.message).toBe(
      'The secret cred_1 failed its integrity check: its ciphertext, IV or authentication tag was altered, or it belongs to another secret.',
    );
  });

  it('refuses a modified authentication tag, or IV', async () => {
    expect((await failure(openSecret({ ...sealed, tag: flipFirstBit(sealed.tag) }, kms, 'cred_1'))).problem).toBe('ciphertext_rejected');
    expect((await failure(openSecret({ ...sealed, iv: flipFirstBit(sealed.iv) }, kms, 'cred_1'))).problem).toBe('ciphertext_rejected');
  });

  it('refuses a modified wrapped key', async () => {
    const tampered = Buffer.from(sealed.wrappedKey);
    tampered[tampered.length - 1] ^= 0x80;
    const error = await failure(openSecret({ ...sealed, wrappedKey: tampered }, kms, 'cred_1'));
    expect(error.problem).toBe('wrapped_key_rejected');
    expect(error.message).toContain(`failed its integrity check under master key ${kms.keyId}`);
  });

  it("refuses a ciphertext moved into another secret's row", async () => {
    expect((await failure(openSecret(sealed, kms, 'cred_2'))).problem).toBe('ciphertext_rejected');
  });

  it('refuses a master key it does not hold, naming both key ids', async () => {
    const other = new LocalKeyManagementService(randomBytes(32));
    const error = await failure(openSecret(sealed, other, 'cred_1'));
    expect(error.problem).toBe('unknown_master_key');
    expect(error.message).toContain(kms.keyId);
    expect(error.message).toContain(other.keyId);
  });

  it('re-wraps the data key under a new master key without touching the ciphertext', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new LocalKeyManagementService(oldKey);
    const rotating = new LocalKeyManagementService(newKey, [oldKey]);
    const original = await sealSecret(SECRET, before, 'cred_9');
    const rewrapped = await rewrapSecret(original, rotating, rotating);
    expect(rewrapped.keyId).toBe(rotating.keyId);
    expect(rewrapped.keyId).not.toBe(original.keyId);
    expect(rewrapped.ciphertext.equals(original.ciphertext)).toBe(true);
    expect(rewrapped.tag.equals(original.tag)).toBe(true);
    expect(await openSecret(rewrapped, new LocalKeyManagementService(newKey), 'cred_9')).toBe(SECRET);
    expect((await failure(openSecret(original, new LocalKeyManagementService(newKey), 'cred_9'))).problem).toBe('unknown_master_key');
  });

  it('reads master keys from the environment, with errors that name the variable and not the value', () => {
    const key = randomBytes(32).toString('base64');
    expect(localKeyManagementFromEnvironment({})).toBeUndefined();
    expect(localKeyManagementFromEnvironment({ SWITCHYARD_MASTER_KEY: key })?.keyId).toBe(
      new LocalKeyManagementService(Buffer.from(key, 'base64')).keyId,
    );
    expect(() => localKeyManagementFromEnvironment({ SWITCHYARD_MASTER_KEY: 'c2hvcnQ=' })).toThrow(
      'SWITCHYARD_MASTER_KEY must be the base64 of 32 random bytes',
    );
    expect(() => localKeyManagementFromEnvironment({ SWITCHYARD_MASTER_KEY: 'c2hvcnQ=' })).not.toThrow(/c2hvcnQ/);
    expect(() => localKeyManagementFromEnvironment({ SWITCHYARD_MASTER_KEY: key, SWITCHYARD_PREVIOUS_MASTER_KEYS: `${key},nope` })).toThrow(
      'SWITCHYARD_PREVIOUS_MASTER_KEYS[1] must be',
    );
    expect(() => localKeyManagementFromEnvironment({ SWITCHYARD_MASTER_KEY_FILE: '/nonexistent/master.key' })).toThrow(
      'Cannot read the master key file /nonexistent/master.key: ENOENT',
    );
  });
});
