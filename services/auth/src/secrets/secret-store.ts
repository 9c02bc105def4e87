import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadMigrations, runMigrations, type SqlClient } from '@switchyard/database';
import { scopeIncludes, type WorkspaceScope } from '@switchyard/shared';
import type { AuditLog } from '../audit/audit-log';
import type { AuditActor } from '../audit/audit-record';
import { openSecret, rewrapSecret, sealSecret, type SealedSecret } from './envelope-encryption';
import { SecretDecryptionError, type KeyManagementService } from './key-management-service';

export const SECRETS_MIGRATIONS_TABLE = 'secrets_migrations';

export function secretsMigrations() {
  return loadMigrations(
    path.join(__dirname, 'migrations'),
    'npm run build -w @switchyard/auth copies src/secrets/migrations to dist/secrets/migrations',
  );
}

/** What may be shown about a stored credential: everything but its value. */
export interface SecretMetadata {
  id: string;
  workspace: string;
  provider: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** The subject of whoever stored it. */
  createdBy: string;
  /** The master key its data key is wrapped with. */
  masterKeyId: string;
}

/** Who is accessing a secret, and from where: recorded with every access. */
export interface SecretAccess {
  actor: AuditActor;
  source?: { ip?: string; userAgent?: string };
  requestId?: string;
}

export interface NewSecret {
  workspace: string;
  provider: string;
  name: string;
  value: string;
}

/**
 * Provider credentials, stored sealed. No method but `getForUse` returns a
 * value, nothing is logged, and every access (create, list, use, delete,
 * re-wrap) appends an audit record; a use whose record cannot be written
 * returns no value.
 */
export interface SecretStore {
  create(secret: NewSecret, access: SecretAccess): Promise<SecretMetadata>;
  /** Metadata of the credentials in `workspaces`, newest first. */
  list(workspaces: WorkspaceScope, access: SecretAccess): Promise<SecretMetadata[]>;
  getMetadata(id: string): Promise<SecretMetadata | undefined>;
  /** The decrypted value, for the provider adapters. */
  getForUse(id: string, access: SecretAccess): Promise<{ metadata: SecretMetadata; value: string }>;
  /** @returns the deleted credential's metadata, or undefined when there was none. */
  delete(id: string, access: SecretAccess): Promise<SecretMetadata | undefined>;
  /**
   * Re-wraps every data key not wrapped by the current master key (after
   * `SWITCHYARD_MASTER_KEY` was changed and the old one kept in
   * `SWITCHYARD_PREVIOUS_MASTER_KEYS`); ciphertexts are not touched.
   */
  rewrapDataKeys(access: SecretAccess): Promise<{ rewrapped: number; masterKeyId: string }>;
}

/** A name taken in the workspace already. */
export class SecretNameTakenError extends Error {
  constructor(workspace: string, name: string) {
    super(`A provider credential named ${JSON.stringify(name)} exists in workspace ${JSON.stringify(workspace)} already.`);
    this.name = 'SecretNameTakenError';
  }
}

export class SecretNotFoundError extends Error {
  constructor(id: string) {
    super(`No provider credential ${JSON.stringify(id)}.`);
    this.name = 'SecretNotFoundError';
  }
}

interface SecretRow {
  id: string;
  workspace: string;
  provider: string;
  name: string;
  created_at: Date | string;
  created_by: string;
  key_id: string;
  wrapped_key: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

const METADATA_COLUMNS = 'id, workspace, provider, name, created_at, created_by, key_id';

export class SqlSecretStore implements SecretStore {
  private constructor(
    private readonly client: SqlClient,
    private readonly kms: KeyManagementService,
    private readonly auditLog: AuditLog,
  ) {}

  /** Creates the table if needed; the client stays the caller's to close. */
  static async open(client: SqlClient, kms: KeyManagementService, auditLog: AuditLog): Promise<SqlSecretStore> {
    await runMigrations(client, secretsMigrations(), { table: SECRETS_MIGRATIONS_TABLE });
    return new SqlSecretStore(client, kms, auditLog);
  }

  async create(secret: NewSecret, access: SecretAccess): Promise<SecretMetadata> {
    const id = `cred_${randomBytes(12).toString('hex')}`;
    const sealed = await sealSecret(secret.value, this.kms, id);
    let rows: SecretRow[];
    try {
      rows = await this.client.query<SecretRow>(
        `INSERT INTO provider_credentials (id, workspace, provider, name, created_by, key_id, wrapped_key, iv, tag, ciphertext)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${METADATA_COLUMNS}`,
        [id, secret.workspace, secret.provider, secret.name, access.actor.subject, sealed.keyId, ...encode(sealed)],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        await this.audit(access, 'provider_credentials.create', 'failure', secret.workspace, undefined, {
          reason: 'name taken',
          after: { name: secret.name },
        });
        throw new SecretNameTakenError(secret.workspace, secret.name);
      }
      throw error;
    }
    const metadata = metadataOf(rows[0]);
    await this.audit(access, 'provider_credentials.create', 'success', metadata.workspace, metadata.id, { after: metadata });
    return metadata;
  }

  async list(workspaces: WorkspaceScope, access: SecretAccess): Promise<SecretMetadata[]> {
    const rows =
      workspaces === 'all'
        ? await this.client.query<SecretRow>(`SELECT ${METADATA_COLUMNS} FROM provider_credentials ORDER BY created_at DESC, id`)
        : await this.client.query<SecretRow>(
            `SELECT ${METADATA_COLUMNS} FROM provider_credentials WHERE workspace = ANY($1) ORDER BY created_at DESC, id`,
            [[...workspaces]],
          );
    await this.audit(
      access,
      'provider_credentials.list',
      'success',
      workspaces === 'all' || workspaces.length !== 1 ? undefined : workspaces[0],
      undefined,
      {
        after: { workspaces, count: rows.length },
      },
    );
    return rows.map(metadataOf);
  }

  async getMetadata(id: string): Promise<SecretMetadata | undefined> {
    const [row] = await this.client.query<SecretRow>(`SELECT ${METADATA_COLUMNS} FROM provider_credentials WHERE id = $1`, [id]);
    return row ? metadataOf(row) : undefined;
  }

  async getForUse(id: string, access: SecretAccess): Promise<{ metadata: SecretMetadata; value: string }> {
    const [row] = await this.client.query<SecretRow>('SELECT * FROM provider_credentials WHERE id = $1', [id]);
    if (!row) {
      await this.audit(access, 'provider_credentials.use', 'failure', undefined, id, { reason: 'not found' });
      throw new SecretNotFoundError(id);
    }
    const metadata = metadataOf(row);
    let value: string;
    try {
      value = await openSecret(decode(row), this.kms, row.id);
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        await this.audit(access, 'provider_credentials.use', 'failure', metadata.workspace, id, { reason: error.message });
      }
      throw error;
    }
    // Recorded before the value is handed out: a use that cannot be audited does not happen.
    await this.audit(access, 'provider_credentials.use', 'success', metadata.workspace, id, {});
    return { metadata, value };
  }

  async delete(id: string, access: SecretAccess): Promise<SecretMetadata | undefined> {
    const [row] = await this.client.query<SecretRow>(`DELETE FROM provider_credentials WHERE id = $1 RETURNING ${METADATA_COLUMNS}`, [id]);
    if (!row) return undefined;
    const metadata = metadataOf(row);
    await this.audit(access, 'provider_credentials.delete', 'success', metadata.workspace, id, { before: metadata });
    return metadata;
  }

  async rewrapDataKeys(access: SecretAccess): Promise<{ rewrapped: number; masterKeyId: string }> {
    const rows = await this.client.query<SecretRow>('SELECT * FROM provider_credentials WHERE key_id <> $1', [this.kms.keyId]);
    let rewrapped = 0;
    for (const row of rows) {
      const sealed = await rewrapSecret(decode(row), this.kms, this.kms);
      // Only the wrapped key and its key id change; the old key id in the WHERE clause makes a concurrent rotation harmless.
      const updated = await this.client.query(
        'UPDATE provider_credentials SET wrapped_key = $1, key_id = $2 WHERE id = $3 AND key_id = $4 RETURNING id',
        [sealed.wrappedKey.toString('base64'), sealed.keyId, row.id, row.key_id],
      );
      rewrapped += updated.length;
    }
    await this.audit(access, 'provider_credentials.rewrap', 'success', undefined, undefined, { after: { rewrapped, masterKeyId: this.kms.keyId } });
    return { rewrapped, masterKeyId: this.kms.keyId };
  }

  private async audit(
    access: SecretAccess,
    action: string,
    outcome: 'success' | 'failure',
    workspace: string | undefined,
    id: string | undefined,
    details: { before?: unknown; after?: unknown; reason?: string },
  ): Promise<void> {
    await this.auditLog.append({
      actor: access.actor,
      action,
      outcome,
      workspace,
      target: id === undefined ? undefined : { type: 'provider_credential', id },
      source: access.source,
      requestId: access.requestId,
      ...details,
    });
  }
}

function encode(sealed: SealedSecret): string[] {
  return [sealed.wrappedKey, sealed.iv, sealed.tag, sealed.ciphertext].map((bytes) => bytes.toString('base64'));
}

function decode(row: SecretRow): SealedSecret {
  return {
    wrappedKey: Buffer.from(row.wrapped_key, 'base64'),
    iv: Buffer.from(row.iv, 'base64'),
    tag: Buffer.from(row.tag, 'base64'),
    ciphertext: Buffer.from(row.ciphertext, 'base64'),
    keyId: row.key_id,
  };
}

function metadataOf(row: SecretRow): SecretMetadata {
  return {
    id: row.id,
    workspace: row.workspace,
    provider: row.provider,
    name: row.name,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    masterKeyId: row.key_id,
  };
}

/** Whether `metadata` lies within what a caller may act for. */
export function secretVisibleTo(metadata: SecretMetadata, workspaces: WorkspaceScope): boolean {
  return scopeIncludes(workspaces, metadata.workspace);
}
