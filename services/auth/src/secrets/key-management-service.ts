/**
 * Wraps and unwraps data keys with a master key that never leaves it. The
 * local implementation holds the master key in memory; a cloud KMS (AWS
 * KMS, Google Cloud KMS, Vault transit) implements the same three members
 * and the secrets never notice the difference.
 */
export interface KeyManagementService {
  /** The master key new data keys are wrapped with; stored beside each wrapped key. */
  readonly keyId: string;
  /** Encrypts a data key under the current master key (`keyId`). */
  wrap(dataKey: Uint8Array): Promise<Buffer>;
  /**
   * Decrypts a data key wrapped under master key `keyId` (the current one or
   * a previous one kept for rotation). Throws a `SecretDecryptionError` when
   * the key is unknown or the wrapped bytes fail their integrity check.
   */
  unwrap(wrappedKey: Uint8Array, keyId: string): Promise<Buffer>;
}

export type SecretDecryptionProblem = 'unknown_master_key' | 'wrapped_key_rejected' | 'ciphertext_rejected';

/** A secret that could not be decrypted; the message says which part failed and never holds key material. */
export class SecretDecryptionError extends Error {
  constructor(
    readonly problem: SecretDecryptionProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}
