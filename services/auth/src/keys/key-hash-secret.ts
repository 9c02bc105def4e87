import { randomBytes } from 'node:crypto';
import type { GovernanceStore } from '../storage/governance-store';

export const KEY_HASH_SECRET_ENV = 'SWITCHYARD_KEY_HASH_SECRET';
/** A secret shorter than this is refused: HMAC-SHA256 wants at least 256 bits. */
const MINIMUM_SECRET_LENGTH = 32;

/**
 * The secret the keys' HMACs are computed with: `SWITCHYARD_KEY_HASH_SECRET`
 * when set (recommended wherever the database is shared or backed up), else
 * one generated on first start and kept in the governance tables
 * (`auth_settings`), so every process on the same database agrees and the
 * keys keep working across restarts. Changing it invalidates every key.
 */
export async function resolveKeyHashSecret(store: GovernanceStore, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const configured = env[KEY_HASH_SECRET_ENV];
  if (configured !== undefined && configured !== '') {
    if (configured.length < MINIMUM_SECRET_LENGTH) {
      throw new Error(`${KEY_HASH_SECRET_ENV} must be at least ${MINIMUM_SECRET_LENGTH} characters long (it is ${configured.length}).`);
    }
    return Buffer.from(configured, 'utf8');
  }
  const stored = await store.loadOrCreateSetting('key_hash_secret', () => randomBytes(32).toString('base64url'));
  return Buffer.from(stored, 'utf8');
}
