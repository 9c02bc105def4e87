import type { KeyScopes, Logger, Role } from '@switchyard/shared';
import type { ApiKeyRecord } from '../organizations/governance-model';
import type { GovernanceStore } from '../storage/governance-store';
import { notFound } from '../storage/governance-errors';
import { displayPrefix, generateKey, generateKeyId, keyHmac } from './key-format';
import type { KeyInvalidationBus } from './key-invalidation';

/** A rotated key keeps working this long unless the caller says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;

export interface CreateKeyInput {
  workspace: string;
  name: string;
  role: Role;
  scopes: KeyScopes;
  expiresAt: Date | null;
  createdBy: string;
}

/** A key just made: the only moment `key` exists outside its holder's hands. */
export interface IssuedKey {
  record: ApiKeyRecord;
  key: string;
}

/**
 * Creating, listing, revoking and rotating keys. Every change that can make
 * a key stop working is announced on the invalidation bus, so every
 * verifier's cache forgets it.
 */
export class KeyService {
  constructor(
    private readonly store: GovernanceStore,
    private readonly secret: Buffer,
    private readonly invalidations: KeyInvalidationBus,
    private readonly now: () => number = Date.now,
    private readonly logger?: Logger,
  ) {}

  async create(input: CreateKeyInput): Promise<IssuedKey> {
    const key = generateKey();
    const record = await this.store.insertKey({
      id: generateKeyId(),
      workspace: input.workspace,
      name: input.name,
      displayPrefix: displayPrefix(key),
      hmac: keyHmac(this.secret, key),
      role: input.role,
      scopes: input.scopes,
      expiresAt: input.expiresAt,
      createdBy: input.createdBy,
    });
    return { record, key };
  }

  list(workspace: string): Promise<ApiKeyRecord[]> {
    return this.store.listKeys(workspace);
  }

  async get(id: string): Promise<ApiKeyRecord> {
    const record = await this.store.getKey(id);
    if (record === undefined) throw notFound('The key', id, 'id');
    return record;
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const record = await this.store.revokeKey(id);
    await this.announce(id);
    return record;
  }

  /**
   * A new key with the same workspace, name, role, scopes and expiry; the
   * old one keeps working for `overlapSeconds` (0: stops now), so clients
   * can switch without an outage.
   */
  async rotate(id: string, overlapSeconds: number, createdBy: string): Promise<{ previous: ApiKeyRecord; replacement: IssuedKey }> {
    const current = await this.get(id);
    const key = generateKey();
    const { previous, replacement } = await this.store.rotateKey(
      id,
      {
        id: generateKeyId(),
        workspace: current.workspace,
        name: current.name,
        displayPrefix: displayPrefix(key),
        hmac: keyHmac(this.secret, key),
        role: current.role,
        scopes: current.scopes,
        expiresAt: current.expiresAt,
        createdBy,
      },
      new Date(this.now() + overlapSeconds * 1000),
    );
    await this.announce(id);
    return { previous, replacement: { record: replacement, key } };
  }

  /**
   * The change is stored whatever happens here: when Redis cannot carry the
   * news, this process has already forgotten the key and the other replicas
   * do when their cache entry expires (`keys.cache.ttlMs`), so the admin
   * call still succeeds, and the failure is logged.
   */
  private async announce(keyId: string): Promise<void> {
    try {
      await this.invalidations.publish({ keyId });
    } catch (error) {
      this.logger?.error({ err: { message: (error as Error).message }, keyId }, 'key-invalidation-publish-failed');
    }
  }
}

/** A key's state as the admin API reports it. */
export function keyStatus(record: ApiKeyRecord, now: number = Date.now()): 'active' | 'revoked' | 'expired' | 'rotated' {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && record.expiresAt.getTime() <= now) return 'expired';
  if (record.rotationOverlapEndsAt !== null && record.rotationOverlapEndsAt.getTime() <= now) return 'rotated';
  return 'active';
}
