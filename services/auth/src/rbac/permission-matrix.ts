import type { Role } from '@switchyard/shared';

/**
 * Who may do what, as data: for each action, the roles that may take it when
 * held for a whole organization and when held in one workspace. A role held
 * in a workspace acts on that workspace only; a role held in an organization
 * acts on every workspace of it. The bootstrap admin token (and an
 * unauthenticated caller on a development server) may do everything,
 * including creating organizations.
 *
 * services/auth/README.md shows this table; a test fails when they differ.
 */
export const ACTIONS = [
  'organizations.read',
  'workspaces.manage',
  'workspaces.read',
  'members.manage',
  'members.read',
  'keys.create',
  'keys.read',
  'keys.revoke',
  'keys.rotate',
  'tokens.issue',
  'provider_credentials.manage',
  'budgets.manage',
  'rate_limits.manage',
  'audit.read',
  'logs.read',
  'usage.read',
  'experiments.manage',
  'experiments.read',
  'models.call',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Where a role is held. */
export const ROLE_LEVELS = ['organization', 'workspace'] as const;
export type RoleLevel = (typeof ROLE_LEVELS)[number];

interface ActionRule {
  description: string;
  organization: readonly Role[];
  workspace: readonly Role[];
}

const ALL: readonly Role[] = ['owner', 'admin', 'developer', 'viewer'];
const BUILDERS: readonly Role[] = ['owner', 'admin', 'developer'];
const ADMINS: readonly Role[] = ['owner', 'admin'];
const NONE: readonly Role[] = [];

export const PERMISSION_MATRIX: Readonly<Record<Action, ActionRule>> = {
  'organizations.read': { description: 'see the organization', organization: ALL, workspace: NONE },
  'workspaces.manage': { description: 'create workspaces', organization: ADMINS, workspace: NONE },
  'workspaces.read': { description: 'list and read workspaces', organization: ALL, workspace: ALL },
  'members.manage': { description: 'add and remove members (up to one’s own role)', organization: ADMINS, workspace: ADMINS },
  'members.read': { description: 'list members', organization: ALL, workspace: ALL },
  'keys.create': { description: 'create API keys (role up to one’s own)', organization: BUILDERS, workspace: BUILDERS },
  'keys.read': { description: 'list and read API keys (never the key itself)', organization: ALL, workspace: ALL },
  'keys.revoke': { description: 'revoke API keys', organization: BUILDERS, workspace: BUILDERS },
  'keys.rotate': { description: 'rotate API keys', organization: BUILDERS, workspace: BUILDERS },
  'tokens.issue': { description: 'mint admin JWTs for members (up to one’s own role)', organization: ADMINS, workspace: ADMINS },
  'provider_credentials.manage': { description: 'store and rotate provider credentials', organization: ADMINS, workspace: ['owner'] },
  'budgets.manage': { description: 'set budgets', organization: ADMINS, workspace: ADMINS },
  'rate_limits.manage': { description: 'set rate limits', organization: ADMINS, workspace: ADMINS },
  'audit.read': { description: 'read and export the audit trail', organization: ADMINS, workspace: ADMINS },
  'logs.read': { description: 'read request records (`/v1/requests`)', organization: ALL, workspace: ALL },
  'usage.read': { description: 'read usage and costs (`/v1/usage`)', organization: ALL, workspace: ALL },
  'experiments.manage': { description: 'start and stop A/B tests', organization: BUILDERS, workspace: BUILDERS },
  'experiments.read': { description: 'list A/B tests and read their results', organization: ALL, workspace: ALL },
  'models.call': { description: 'call models (`/v1/chat/completions`, …)', organization: BUILDERS, workspace: BUILDERS },
};

/** Whether `role`, held at `level`, allows `action` (within the scope the role is held in). */
export function roleAllows(role: Role, level: RoleLevel, action: Action): boolean {
  return PERMISSION_MATRIX[action][level].includes(role);
}

/** The matrix as the Markdown table of services/auth/README.md. */
export function renderPermissionMatrix(): string {
  const columns = ROLE_LEVELS.flatMap((level) => ALL.map((role) => `${level === 'organization' ? 'org' : 'ws'} ${role}`));
  const lines = [
    `| action | what it allows | ${columns.join(' | ')} |`,
    `| --- | --- | ${columns.map(() => ':-:').join(' | ')} |`,
    ...ACTIONS.map((action) => {
      const rule = PERMISSION_MATRIX[action];
      const cells = ROLE_LEVELS.flatMap((level) => ALL.map((role) => (rule[level].includes(role) ? '✓' : '—')));
      return `| \`${action}\` | ${rule.description} | ${cells.join(' | ')} |`;
    }),
  ];
  return lines.join('\n');
}
