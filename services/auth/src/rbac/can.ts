import { ROLES, scopeIncludes, type Principal, type Role } from '@switchyard/shared';
import { roleAllows, type Action, type RoleLevel } from './permission-matrix';

/** What an action is taken on: an organization, or a workspace of one. */
export interface PermissionTarget {
  organization?: string;
  workspace?: string;
}

/** Where a principal's role holds: everywhere (bootstrap token, development), one organization, or listed workspaces. */
export type PrincipalLevel = 'global' | RoleLevel;

export function principalLevel(principal: Principal): PrincipalLevel {
  if (principal.kind === 'admin_token' || principal.kind === 'anonymous') return 'global';
  if (principal.actableWorkspaces === 'all') return principal.organization === '' ? 'global' : 'organization';
  // An organization-level role acts for no one workspace in particular (its workspaces are listed).
  if (principal.kind === 'jwt' && principal.workspace === '' && principal.organization !== '') return 'organization';
  return 'workspace';
}

/**
 * Whether `principal` may take `action` on `target`, by the permission
 * matrix: the role must allow the action at the level it is held, and the
 * target must lie within the role's scope. An organization-level target
 * (no workspace) is out of reach of workspace-level roles.
 */
export function can(principal: Principal, action: Action, target: PermissionTarget = {}): boolean {
  const level = principalLevel(principal);
  if (level === 'global') return roleAllows(principal.role, 'organization', action);
  if (target.organization !== undefined && target.organization !== principal.organization) return false;
  if (level === 'organization') return target.organization !== undefined && roleAllows(principal.role, 'organization', action);
  return (
    target.workspace !== undefined && scopeIncludes(principal.actableWorkspaces, target.workspace) && roleAllows(principal.role, 'workspace', action)
  );
}

/** Roles ordered most powerful first, as in `ROLES`. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/**
 * Whether `principal` may hand out `role` at `level` (a membership, a key's
 * role, a token): never above its own role, and never at organization level
 * from a workspace-level role.
 */
export function mayGrant(principal: Principal, role: Role, level: RoleLevel): boolean {
  const own = principalLevel(principal);
  if (own === 'workspace' && level === 'organization') return false;
  return roleRank(role) >= roleRank(principal.role);
}
