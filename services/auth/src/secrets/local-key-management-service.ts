import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SecretDecryptionError, type KeyManagementService } from './key-management-service';

const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of a wrapped key: the format, so another can follow without guessing. */
const WRAP_FORMAT = 1;

/**
 * Master keys held in this process: the current one wraps, the current and
 * the previous ones unwrap. A data key is wrapped with AES-256-GCM under the
 * master key, the key id bound as associated data, as
 * `format (1) | iv (12) | tag (16) | encrypted data key (32)`.
 */
export class LocalKeyManagementService implements KeyManagementService {
  readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Uint8Array, previous: readonly Uint8Array[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== MASTER_KEY_BYTES)
        throw new Error(`A master key is ${MASTER_KEY_BYTES} bytes (base64 of 32 random bytes: openssl rand -base64 32); got ${key.length}.`);
      this.keys.set(localKeyId(key), Buffer.from(key));
    }
    this.keyId = localKeyId(current);
  }

  async wrap(dataKey: Uint8Array): Promise<Buffer> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(this.keyId, 'utf8'));
    const encrypted = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([Buffer.of(WRAP_FORMAT), iv, cipher.getAuthTag(), encrypted]);
  }

  async unwrap(wrappedKey: Uint8Array, keyId: string): Promise<Buffer> {
    const masterKey = this.keys.get(keyId);
    if (!masterKey) {
      throw new SecretDecryptionError(
        'unknown_master_key',
        `The data key was wrapped with master key ${keyId}, which this server does not hold (current: ${this.keyId}); ` +
          'set it as SWITCHYARD_PREVIOUS_MASTER_KEYS until every data key is re-wrapped.',
      );
    }
    const wrapped = Buffer.from(wrappedKey);
    if (wrapped.length !== 1 + IV_BYTES + TAG_BYTES + 32 || wrapped[0] !== WRAP_FORMAT) {
      throw new SecretDecryptionError('wrapped_key_rejected', `The wrapped data key is not in the expected format (master key ${keyId}).`);
    }
    const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(wrapped.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SecretDecryptionError(
        'wrapped_key_rejected',
        `The wrapped data key failed its integrity check under master key ${keyId}: it was altered, or wrapped with another key of the same id.`,
      );
    }
  }
}

/** `local-` and 16 hex digits of a hash of the key: names the key without revealing anything about it. */
function localKeyId(key: Uint8Array): string {
  return `local-${createHash('sha256').update('switchyard master key id\0').update(key).digest('hex').slice(0, 16)}`;
}

type Environment = Record<string, string | undefined>;

/**
 * The master keys from the environment: `SWITCHYARD_MASTER_KEY` (base64 of 32
 * bytes) or `SWITCHYARD_MASTER_KEY_FILE` (a file holding that base64), and
 * `SWITCHYARD_PREVIOUS_MASTER_KEYS` (comma-separated base64) while a rotation
 * re-wraps the data keys. `file` is the config's `secrets.masterKeyFile`.
 * Undefined when no master key is configured (provider secrets then cannot
 * be stored). Errors name the variable, never the value.
 */
export function localKeyManagementFromEnvironment(env: Environment = process.env, file?: string): LocalKeyManagementService | undefined {
  let current: Buffer | undefined;
  if (env.SWITCHYARD_MASTER_KEY) current = decodeKey(env.SWITCHYARD_MASTER_KEY, 'SWITCHYARD_MASTER_KEY');
  else {
    const path = env.SWITCHYARD_MASTER_KEY_FILE || file;
    if (path) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new Error(`Cannot read the master key file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
          cause: error,
        });
      }
      current = decodeKey(text.trim(), `the master key file ${path}`);
    }
  }
  if (!current) return undefined;
  const previous = (env.SWITCHYARD_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item, index) => decodeKey(item, `SWITCHYARD_PREVIOUS_MASTER_KEYS[${index}]`));
  return new LocalKeyManagementService(current, previous);
}

function decodeKey(text: string, where: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== MASTER_KEY_BYTES) throw new Error(`${where} must be the base64 of ${MASTER_KEY_BYTES} random bytes (openssl rand -base64 32).`);
  return key;
}
