import { randomBytes } from 'node:crypto';
import type { GovernanceStore } from '../storage/governance-store';

export const JWT_SECRET_ENV = 'SWITCHYARD_JWT_SECRET';

/**
 * The HS256 secret of Switchyard-issued admin JWTs: `SWITCHYARD_JWT_SECRET`
 * (at least 32 characters) when set, else one generated on first start and
 * kept in `auth_settings`, shared by every process on the database.
 * Changing it invalidates every token issued.
 */
export async function resolveJwtSecret(store: GovernanceStore, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  const configured = env[JWT_SECRET_ENV];
  if (configured !== undefined && configured !== '') {
    if (configured.length < 32) throw new Error(`${JWT_SECRET_ENV} must be at least 32 characters long (it is ${configured.length}).`);
    return new Uint8Array(Buffer.from(configured, 'utf8'));
  }
  const stored = await store.loadOrCreateSetting('jwt_secret', () => randomBytes(32).toString('base64url'));
  return new Uint8Array(Buffer.from(stored, 'utf8'));
}
