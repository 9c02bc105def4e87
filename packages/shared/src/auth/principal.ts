/**
 * Who is calling, as the gateway's authentication established it before the
 * request body was read. Everything downstream — which workspace a request is
 * recorded under, which records a query may read, which limits and budgets
 * apply — is decided from the principal, never from client-chosen headers.
 */

/** Roles, most powerful first; held at organization or workspace level. */
export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** How the caller proved who it is. */
export type PrincipalKind =
  /** No credential, and the server allows that (local development on loopback). */
  | 'anonymous'
  /** A virtual API key (`sk-sy-…`). */
  | 'api_key'
  /** The bootstrap `SWITCHYARD_ADMIN_TOKEN`. */
  | 'admin_token'
  /** A JWT issued by Switchyard or by a configured OIDC issuer. */
  | 'jwt';

/** What a virtual key may be used for; an absent list allows everything. */
export interface KeyScopes {
  /** Model names (or `provider/model`, or a trailing `*` pattern) the key may request. */
  models?: readonly string[];
  /** Endpoints the key may call, e.g. `chat.completions`, `embeddings`, `requests.read`, `usage.read`. */
  endpoints?: readonly string[];
}

/** Which workspaces' records a caller may read: a list, or every workspace. */
export type WorkspaceScope = readonly string[] | 'all';

export interface Principal {
  kind: PrincipalKind;
  /** The virtual key's id (`key_…`) when `kind` is `api_key`, else ''. Recorded on every event. */
  keyId: string;
  /** The member, service account or JWT `sub` behind the credential; `anonymous` or `admin` otherwise. */
  subject: string;
  /** The organization the credential belongs to; '' for anonymous and the bootstrap token. */
  organization: string;
  /** The workspace the request acts for, decided by the credential. */
  workspace: string;
  /** The caller's role in `workspace`. */
  role: Role;
  /** Whose records the caller may read (`/v1/requests`, `/v1/usage`). */
  readableWorkspaces: WorkspaceScope;
  /** Workspaces the caller may act for through `x-switchyard-workspace`; `all` for org-level roles and the bootstrap token. */
  actableWorkspaces: WorkspaceScope;
  scopes: KeyScopes;
}

/**
 * The principal of an unauthenticated request on a server that allows them
 * (loopback without an admin token, or `server.allowUnauthenticated`): local
 * development, where every workspace is the developer's own.
 */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  kind: 'anonymous',
  keyId: '',
  subject: 'anonymous',
  organization: '',
  workspace: 'default',
  role: 'owner',
  readableWorkspaces: 'all',
  actableWorkspaces: 'all',
  scopes: {},
});

/** The bootstrap `SWITCHYARD_ADMIN_TOKEN`'s principal: owner of everything, including creating organizations. */
export const ADMIN_TOKEN_PRINCIPAL: Principal = Object.freeze({
  kind: 'admin_token',
  keyId: '',
  subject: 'admin',
  organization: '',
  workspace: 'default',
  role: 'owner',
  readableWorkspaces: 'all',
  actableWorkspaces: 'all',
  scopes: {},
});

/** Whether `scope` includes `workspace`. */
export function scopeIncludes(scope: WorkspaceScope, workspace: string): boolean {
  return scope === 'all' || scope.includes(workspace);
}

/**
 * Resolves a virtual API key (`sk-sy-…`) to its principal. Implemented by the
 * auth service (cached in process, invalidated over Redis); the gateway calls
 * it before reading a request body.
 */
export interface KeyVerifier {
  /**
   * The key's principal, or a `GatewayError` thrown: 401 `invalid_api_key`
   * for an unknown, malformed, revoked or expired key. Never echoes the key.
   */
  verify(key: string): Promise<Principal>;
}
