import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Signs checkpoints of the audit chain with Ed25519. A checkpoint vouches
 * for the head hash at a sequence number: rewriting the chain from any
 * earlier record, or cutting records off its end, no longer matches a
 * signature that only the signing key's holder can make.
 */
export interface CheckpointSigner {
  /** First 16 hex digits of the SHA-256 of the public key (DER), recorded with each checkpoint. */
  readonly keyId: string;
  sign(payload: string): string;
}

/** Checks checkpoint signatures; needs only the public key. */
export interface CheckpointVerifier {
  readonly keyId: string;
  verify(payload: string, signature: string): boolean;
}

export class Ed25519CheckpointKey implements CheckpointSigner, CheckpointVerifier {
  readonly keyId: string;

  private constructor(
    private readonly publicKey: KeyObject,
    private readonly privateKey: KeyObject | undefined,
  ) {
    if (publicKey.asymmetricKeyType !== 'ed25519')
      throw new Error(`The audit signing key must be an Ed25519 key, not ${publicKey.asymmetricKeyType}.`);
    this.keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16);
  }

  /** From a PKCS#8 PEM private key. */
  static fromPrivateKeyPem(pem: string): Ed25519CheckpointKey {
    const privateKey = createPrivateKey({ key: pem, format: 'pem' });
    return new Ed25519CheckpointKey(createPublicKey(privateKey), privateKey);
  }

  /** From an SPKI PEM public key: verifies, cannot sign. */
  static fromPublicKeyPem(pem: string): Ed25519CheckpointKey {
    return new Ed25519CheckpointKey(createPublicKey({ key: pem, format: 'pem' }), undefined);
  }

  static generate(): Ed25519CheckpointKey {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return new Ed25519CheckpointKey(publicKey, privateKey);
  }

  get canSign(): boolean {
    return this.privateKey !== undefined;
  }

  sign(payload: string): string {
    if (!this.privateKey) throw new Error('This audit key is a public key: it verifies checkpoints but cannot sign them.');
    return sign(null, Buffer.from(payload, 'utf8'), this.privateKey).toString('base64');
  }

  verify(payload: string, signature: string): boolean {
    try {
      return verify(null, Buffer.from(payload, 'utf8'), this.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  privateKeyPem(): string {
    if (!this.privateKey) throw new Error('This audit key is a public key.');
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
}

export interface LoadSigningKeyOptions {
  /** `SWITCHYARD_AUDIT_SIGNING_KEY` (a PKCS#8 PEM) wins over the file. */
  env?: Record<string, string | undefined>;
  /** A PKCS#8 PEM file; `SWITCHYARD_AUDIT_SIGNING_KEY_FILE` overrides it. */
  file?: string;
  /**
   * Generate a key and write it to `file` (mode 0600) when neither exists:
   * the embedded mode's zero-config start. Distributed deployments provide
   * the key and keep this off, so two replicas never sign with different keys.
   */
  generateIfMissing?: boolean;
}

/** The checkpoint signing key from the environment or a file, generated and kept when allowed. */
export function loadCheckpointSigningKey(options: LoadSigningKeyOptions): Ed25519CheckpointKey {
  const env = options.env ?? process.env;
  if (env.SWITCHYARD_AUDIT_SIGNING_KEY)
    return parseKey(() => Ed25519CheckpointKey.fromPrivateKeyPem(env.SWITCHYARD_AUDIT_SIGNING_KEY!), 'SWITCHYARD_AUDIT_SIGNING_KEY');
  const file = env.SWITCHYARD_AUDIT_SIGNING_KEY_FILE || options.file;
  if (!file) throw new Error('No audit signing key: set SWITCHYARD_AUDIT_SIGNING_KEY (a PKCS#8 PEM) or SWITCHYARD_AUDIT_SIGNING_KEY_FILE.');
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !options.generateIfMissing) {
      throw new Error(`Cannot read the audit signing key ${file}: ${(error as Error).message}`, { cause: error });
    }
    return generateInto(file);
  }
  return parseKey(() => Ed25519CheckpointKey.fromPrivateKeyPem(pem), file);
}

function generateInto(file: string): Ed25519CheckpointKey {
  const key = Ed25519CheckpointKey.generate();
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  try {
    // `wx`: when another process created it meanwhile, its key is the one to use.
    writeFileSync(file, key.privateKeyPem(), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseKey(() => Ed25519CheckpointKey.fromPrivateKeyPem(readFileSync(file, 'utf8')), file);
  }
}

function parseKey(parse: () => Ed25519CheckpointKey, where: string): Ed25519CheckpointKey {
  try {
    return parse();
  } catch (error) {
    throw new Error(`The audit signing key in ${where} is not an Ed25519 PKCS#8 PEM private key: ${(error as Error).message}`, { cause: error });
  }
}

/** A key to verify with: a public or private PEM file. */
export function loadCheckpointVerifyingKey(file: string): Ed25519CheckpointKey {
  const pem = readFileSync(file, 'utf8');
  return pem.includes('PRIVATE KEY') ? Ed25519CheckpointKey.fromPrivateKeyPem(pem) : Ed25519CheckpointKey.fromPublicKeyPem(pem);
}
