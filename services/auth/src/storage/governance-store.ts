import { randomBytes } from 'node:crypto';
import { runMigrations, type SqlClient, type SqlExecutor } from '@switchyard/database';
import type { KeyScopes, Role } from '@switchyard/shared';
import type { ApiKeyRecord, Member, Organization, Workspace } from '../organizations/governance-model';
import { alreadyExists, conflict, isForeignKeyViolation, isUniqueViolation, notFound } from './governance-errors';
import { GOVERNANCE_MIGRATIONS_TABLE, loadGovernanceMigrations } from './migrations';

/**
 * The governance tables of one database (organizations, workspaces, members,
 * API keys, generated server secrets). It does not own the client: one
 * process may pass the embedded database the event tables live in, so
 * `close()` is the owner's business, not the store's.
 */
export async function openGovernanceStore(client: SqlClient): Promise<GovernanceStore> {
  await runMigrations(client, loadGovernanceMigrations(), { table: GOVERNANCE_MIGRATIONS_TABLE });
  return new GovernanceStore(client);
}

export interface NewApiKey {
  id: string;
  workspace: string;
  name: string;
  displayPrefix: string;
  hmac: string;
  role: Role;
  scopes: KeyScopes;
  expiresAt: Date | null;
  createdBy: string;
}

export interface MemberFilter {
  organization?: string;
  /** A workspace id, or null for organization-level members only. */
  workspace?: string | null;
  subject?: string;
}

const KEY_COLUMNS = `k.id, k.workspace_id, w.organization_id, k.name, k.display_prefix, k.hmac, k.role, k.scopes, k.expires_at,
  k.revoked_at, k.replaced_by, k.rotation_overlap_ends_at, k.created_by, k.created_at, k.last_used_at`;

export class GovernanceStore {
  constructor(readonly client: SqlClient) {}

  // --- organizations ---------------------------------------------------------------------------------

  async createOrganization(organization: { id: string; displayName: string; createdBy: string }): Promise<Organization> {
    try {
      const [row] = await this.client.query<OrganizationRow>(
        `INSERT INTO organizations (id, display_name, created_by) VALUES ($1, $2, $3) RETURNING *`,
        [organization.id, organization.displayName, organization.createdBy],
      );
      return toOrganization(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('The organization', organization.id, 'id');
      throw error;
    }
  }

  /**
   * On a database without any organization: creates organization `default`
   * with workspace `default` (where requests without a key are recorded), so
   * a first key can be created at once. Safe when several processes start at once.
   */
  async ensureDefaultWorkspace(): Promise<void> {
    const [any] = await this.client.query(`SELECT 1 FROM organizations LIMIT 1`);
    if (any !== undefined) return;
    await this.client.query(
      `INSERT INTO organizations (id, display_name, created_by) VALUES ('default', 'Default', 'switchyard') ON CONFLICT (id) DO NOTHING`,
    );
    await this.client.query(
      `INSERT INTO workspaces (id, organization_id, display_name, created_by) VALUES ('default', 'default', 'Default', 'switchyard')
       ON CONFLICT (id) DO NOTHING`,
    );
  }

  async getOrganization(id: string): Promise<Organization | undefined> {
    const [row] = await this.client.query<OrganizationRow>(`SELECT * FROM organizations WHERE id = $1`, [id]);
    return row && toOrganization(row);
  }

  async listOrganizations(): Promise<Organization[]> {
    return (await this.client.query<OrganizationRow>(`SELECT * FROM organizations ORDER BY id`)).map(toOrganization);
  }

  // --- workspaces ------------------------------------------------------------------------------------

  async createWorkspace(workspace: { id: string; organization: string; displayName: string; createdBy: string }): Promise<Workspace> {
    try {
      const [row] = await this.client.query<WorkspaceRow>(
        `INSERT INTO workspaces (id, organization_id, display_name, created_by) VALUES ($1, $2, $3, $4) RETURNING *`,
        [workspace.id, workspace.organization, workspace.displayName, workspace.createdBy],
      );
      return toWorkspace(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('The workspace', workspace.id, 'id');
      if (isForeignKeyViolation(error)) throw notFound('The organization', workspace.organization, 'organization');
      throw error;
    }
  }

  async getWorkspace(id: string): Promise<Workspace | undefined> {
    const [row] = await this.client.query<WorkspaceRow>(`SELECT * FROM workspaces WHERE id = $1`, [id]);
    return row && toWorkspace(row);
  }

  async listWorkspaces(organization?: string): Promise<Workspace[]> {
    const rows =
      organization === undefined
        ? await this.client.query<WorkspaceRow>(`SELECT * FROM workspaces ORDER BY id`)
        : await this.client.query<WorkspaceRow>(`SELECT * FROM workspaces WHERE organization_id = $1 ORDER BY id`, [organization]);
    return rows.map(toWorkspace);
  }

  // --- members ---------------------------------------------------------------------------------------

  async addMember(member: { organization: string; workspace: string | null; subject: string; role: Role; createdBy: string }): Promise<Member> {
    const id = `mem_${randomBytes(12).toString('base64url')}`;
    try {
      const [row] = await this.client.query<MemberRow>(
        `INSERT INTO members (id, organization_id, workspace_id, subject, role, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [id, member.organization, member.workspace, member.subject, member.role, member.createdBy],
      );
      return toMember(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('A membership of', member.subject, 'subject');
      throw error;
    }
  }

  async getMember(id: string): Promise<Member | undefined> {
    const [row] = await this.client.query<MemberRow>(`SELECT * FROM members WHERE id = $1`, [id]);
    return row && toMember(row);
  }

  async listMembers(filter: MemberFilter = {}): Promise<Member[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.organization !== undefined) conditions.push(`organization_id = $${params.push(filter.organization)}`);
    if (filter.workspace === null) conditions.push('workspace_id IS NULL');
    else if (filter.workspace !== undefined) conditions.push(`workspace_id = $${params.push(filter.workspace)}`);
    if (filter.subject !== undefined) conditions.push(`subject = $${params.push(filter.subject)}`);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    return (await this.client.query<MemberRow>(`SELECT * FROM members ${where} ORDER BY created_at, id`, params)).map(toMember);
  }

  async removeMember(id: string): Promise<boolean> {
    return (await this.client.query(`DELETE FROM members WHERE id = $1 RETURNING id`, [id])).length === 1;
  }

  // --- API keys --------------------------------------------------------------------------------------

  async insertKey(key: NewApiKey): Promise<ApiKeyRecord> {
    try {
      await insertKeyRow(this.client, key);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw notFound('The workspace', key.workspace, 'workspace');
      throw error;
    }
    return (await this.getKey(key.id))!;
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.client.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.id = $1`,
      [id],
    );
    return row && toKey(row);
  }

  /** The key whose HMAC this is: the lookup a verification makes on a cache miss. */
  async findKeyByHmac(hmac: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.client.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.hmac = $1`,
      [hmac],
    );
    return row && toKey(row);
  }

  async listKeys(workspace: string): Promise<ApiKeyRecord[]> {
    const rows = await this.client.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.workspace_id = $1 ORDER BY k.created_at, k.id`,
      [workspace],
    );
    return rows.map(toKey);
  }

  /** Revokes the key now (a key revoked before keeps its first revocation time). */
  async revokeKey(id: string): Promise<ApiKeyRecord> {
    const updated = await this.client.query(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id`, [id]);
    if (updated.length === 0) throw notFound('The key', id, 'id');
    return (await this.getKey(id))!;
  }

  /**
   * Stores `replacement` and marks `id` as replaced by it, working until
   * `overlapEndsAt`, in one transaction. A revoked key, or one already
   * rotated, is refused: rotating twice would leave two live successors.
   */
  async rotateKey(id: string, replacement: NewApiKey, overlapEndsAt: Date): Promise<{ previous: ApiKeyRecord; replacement: ApiKeyRecord }> {
    await this.client.transaction(async (transaction) => {
      const [current] = await transaction.query<{ revoked_at: Date | null; replaced_by: string | null }>(
        `SELECT revoked_at, replaced_by FROM api_keys WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (current === undefined) throw notFound('The key', id, 'id');
      if (current.revoked_at !== null) throw conflict(`The key \`${id}\` is revoked; create a new key instead.`, 'key_revoked');
      if (current.replaced_by !== null)
        throw conflict(`The key \`${id}\` was already rotated (replaced by \`${current.replaced_by}\`).`, 'key_already_rotated');
      await insertKeyRow(transaction, replacement);
      await transaction.query(`UPDATE api_keys SET replaced_by = $2, rotation_overlap_ends_at = $3 WHERE id = $1`, [
        id,
        replacement.id,
        overlapEndsAt,
      ]);
    });
    return { previous: (await this.getKey(id))!, replacement: (await this.getKey(replacement.id))! };
  }

  // --- server settings -------------------------------------------------------------------------------

  /**
   * The setting `name`, created with `create()` when absent. Safe when
   * several processes start at once: the first insert wins and every
   * process reads the same value back.
   */
  async loadOrCreateSetting(name: string, create: () => string): Promise<string> {
    await this.client.query(`INSERT INTO auth_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, create()]);
    const [row] = await this.client.query<{ value: string }>(`SELECT value FROM auth_settings WHERE name = $1`, [name]);
    return row.value;
  }
}

function insertKeyRow(executor: SqlExecutor, key: NewApiKey): Promise<unknown> {
  return executor.query(
    `INSERT INTO api_keys (id, workspace_id, name, display_prefix, hmac, role, scopes, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
    [key.id, key.workspace, key.name, key.displayPrefix, key.hmac, key.role, JSON.stringify(key.scopes), key.expiresAt, key.createdBy],
  );
}

interface OrganizationRow {
  id: string;
  display_name: string;
  created_by: string;
  created_at: Date;
}

interface WorkspaceRow extends OrganizationRow {
  organization_id: string;
}

interface MemberRow {
  id: string;
  organization_id: string;
  workspace_id: string | null;
  subject: string;
  role: Role;
  created_by: string;
  created_at: Date;
}

interface KeyRow {
  id: string;
  workspace_id: string;
  organization_id: string;
  name: string;
  display_prefix: string;
  hmac: string;
  role: Role;
  scopes: KeyScopes | string;
  expires_at: Date | null;
  revoked_at: Date | null;
  replaced_by: string | null;
  rotation_overlap_ends_at: Date | null;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  displayName: row.display_name,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
});

const toWorkspace = (row: WorkspaceRow): Workspace => ({
  id: row.id,
  organization: row.organization_id,
  displayName: row.display_name,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
});

const toMember = (row: MemberRow): Member => ({
  id: row.id,
  organization: row.organization_id,
  workspace: row.workspace_id,
  subject: row.subject,
  role: row.role,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
});

const toDate = (value: Date | null): Date | null => (value === null ? null : new Date(value));

const toKey = (row: KeyRow): ApiKeyRecord => ({
  id: row.id,
  workspace: row.workspace_id,
  organization: row.organization_id,
  name: row.name,
  displayPrefix: row.display_prefix,
  hmac: row.hmac,
  role: row.role,
  scopes: typeof row.scopes === 'string' ? (JSON.parse(row.scopes) as KeyScopes) : row.scopes,
  expiresAt: toDate(row.expires_at),
  revokedAt: toDate(row.revoked_at),
  replacedBy: row.replaced_by,
  rotationOverlapEndsAt: toDate(row.rotation_overlap_ends_at),
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
  lastUsedAt: toDate(row.last_used_at),
});
