import type { KeyScopes, Role } from '@switchyard/shared';

/** The governance model: organizations own workspaces; members hold a role in either. */

export interface Organization {
  id: string;
  displayName: string;
  createdBy: string;
  createdAt: Date;
}

export interface Workspace {
  id: string;
  organization: string;
  displayName: string;
  createdBy: string;
  createdAt: Date;
}

export interface Member {
  id: string;
  organization: string;
  /** The workspace the role is held in; null for a role in the whole organization. */
  workspace: string | null;
  subject: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
}

/** A virtual API key as stored: everything but the key, which only its creator ever sees. */
export interface ApiKeyRecord {
  id: string;
  workspace: string;
  /** The workspace's organization (joined, not stored on the key). */
  organization: string;
  name: string;
  /** The key's first characters, e.g. `sk-sy-ab12`, for recognising it in a list. */
  displayPrefix: string;
  /** HMAC-SHA256 of the key under the server's key hash secret, hex. */
  hmac: string;
  role: Role;
  scopes: KeyScopes;
  expiresAt: Date | null;
  revokedAt: Date | null;
  replacedBy: string | null;
  rotationOverlapEndsAt: Date | null;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}
