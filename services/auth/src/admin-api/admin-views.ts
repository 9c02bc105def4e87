import type { ApiKeyRecord, Member, Organization, Workspace } from '../organizations/governance-model';
import { keyStatus } from '../keys/key-service';

/** Entities as the admin API sends them: snake_case, like OpenAI's own admin API. Never the key, never its HMAC. */

export const organizationView = (organization: Organization) => ({
  object: 'organization',
  id: organization.id,
  display_name: organization.displayName,
  created_by: organization.createdBy,
  created_at: organization.createdAt.toISOString(),
});

export const workspaceView = (workspace: Workspace) => ({
  object: 'workspace',
  id: workspace.id,
  organization: workspace.organization,
  display_name: workspace.displayName,
  created_by: workspace.createdBy,
  created_at: workspace.createdAt.toISOString(),
});

export const memberView = (member: Member) => ({
  object: 'member',
  id: member.id,
  organization: member.organization,
  workspace: member.workspace,
  subject: member.subject,
  role: member.role,
  created_by: member.createdBy,
  created_at: member.createdAt.toISOString(),
});

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export const keyView = (key: ApiKeyRecord, now: number = Date.now()) => ({
  object: 'api_key',
  id: key.id,
  organization: key.organization,
  workspace: key.workspace,
  name: key.name,
  prefix: key.displayPrefix,
  role: key.role,
  scopes: key.scopes,
  status: keyStatus(key, now),
  expires_at: iso(key.expiresAt),
  revoked_at: iso(key.revokedAt),
  replaced_by: key.replacedBy,
  rotation_overlap_ends_at: iso(key.rotationOverlapEndsAt),
  created_by: key.createdBy,
  created_at: key.createdAt.toISOString(),
  last_used_at: iso(key.lastUsedAt),
});

export const listView = <T>(data: T[]) => ({ object: 'list', data });
