import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_PRINCIPAL, ANONYMOUS_PRINCIPAL, type Principal } from '@switchyard/shared';
import { ENDPOINT_ROLES } from '@switchyard/gateway';

import { can, mayGrant } from './can';
import { ACTIONS, PERMISSION_MATRIX, renderPermissionMatrix, roleAllows } from './permission-matrix';

const README = path.resolve(__dirname, '../../README.md');
const ROOT_README = path.resolve(__dirname, '../../../../README.md');

const principal = (overrides: Partial<Principal>): Principal => ({
  kind: 'jwt',
  keyId: '',
  subject: 'someone',
  organization: 'acme',
  workspace: '',
  role: 'viewer',
  readableWorkspaces: 'all',
  actableWorkspaces: 'all',
  scopes: {},
  ...overrides,
});

describe('the permission matrix', () => {
  it.each([README, ROOT_README])('is the table of %s, exactly', (file) => {
    const readme = readFileSync(file, 'utf8');
    const documented = /<!-- permission-matrix:begin -->\n([\s\S]*?)\n<!-- permission-matrix:end -->/.exec(readme)?.[1];
    expect(documented).toBe(renderPermissionMatrix());
  });

  it('is what the gateway checks at the edge: models.call, logs.read and usage.read by role', () => {
    const expected = {
      'chat.completions': 'models.call',
      messages: 'models.call',
      embeddings: 'models.call',
      'audio.transcriptions': 'models.call',
      responses: 'models.call',
      'requests.read': 'logs.read',
      'usage.read': 'usage.read',
      'traces.write': 'models.call',
      'traces.read': 'logs.read',
    } as const;
    for (const [endpoint, action] of Object.entries(expected)) {
      const roles = (['owner', 'admin', 'developer', 'viewer'] as const).filter((role) => roleAllows(role, 'workspace', action));
      expect({ endpoint, roles }).toEqual({ endpoint, roles: ENDPOINT_ROLES[endpoint as keyof typeof expected] });
    }
  });

  it('names the actions other areas check', () => {
    for (const action of [
      'provider_credentials.manage',
      'budgets.manage',
      'rate_limits.manage',
      'audit.read',
      'logs.read',
      'usage.read',
      'models.call',
    ] as const) {
      expect(ACTIONS).toContain(action);
    }
  });

  it('lets an organization-level role act on its organization and every workspace of it, and nowhere else', () => {
    const admin = principal({ role: 'admin' });
    expect(can(admin, 'workspaces.manage', { organization: 'acme' })).toBe(true);
    expect(can(admin, 'keys.revoke', { organization: 'acme', workspace: 'team-a' })).toBe(true);
    expect(can(admin, 'keys.revoke', { organization: 'other', workspace: 'team-x' })).toBe(false);
    expect(can(admin, 'keys.revoke', { workspace: 'team-a' })).toBe(false);
    expect(can(principal({ role: 'viewer' }), 'keys.revoke', { organization: 'acme', workspace: 'team-a' })).toBe(false);
  });

  it('confines a workspace-level role to its workspace', () => {
    const workspaceAdmin = principal({ role: 'admin', workspace: 'team-a', readableWorkspaces: ['team-a'], actableWorkspaces: ['team-a'] });
    expect(can(workspaceAdmin, 'keys.read', { organization: 'acme', workspace: 'team-a' })).toBe(true);
    expect(can(workspaceAdmin, 'keys.read', { organization: 'acme', workspace: 'team-b' })).toBe(false);
    expect(can(workspaceAdmin, 'keys.revoke', { organization: 'acme', workspace: 'team-b' })).toBe(false);
    expect(can(workspaceAdmin, 'workspaces.manage', { organization: 'acme' })).toBe(false);
    expect(can(workspaceAdmin, 'members.manage', { organization: 'acme' })).toBe(false);
    expect(can(workspaceAdmin, 'provider_credentials.manage', { organization: 'acme', workspace: 'team-a' })).toBe(false);
    expect(can({ ...workspaceAdmin, role: 'owner' }, 'provider_credentials.manage', { organization: 'acme', workspace: 'team-a' })).toBe(true);
  });

  it('follows the matrix cell by cell for both levels', () => {
    for (const action of ACTIONS) {
      for (const role of ['owner', 'admin', 'developer', 'viewer'] as const) {
        const atOrganization = principal({ role });
        const inWorkspace = principal({ role, workspace: 'team-a', readableWorkspaces: ['team-a'], actableWorkspaces: ['team-a'] });
        const target = { organization: 'acme', workspace: 'team-a' };
        expect([action, role, 'organization', can(atOrganization, action, target)]).toEqual([
          action,
          role,
          'organization',
          PERMISSION_MATRIX[action].organization.includes(role),
        ]);
        expect([action, role, 'workspace', can(inWorkspace, action, target)]).toEqual([
          action,
          role,
          'workspace',
          PERMISSION_MATRIX[action].workspace.includes(role),
        ]);
      }
    }
  });

  it('lets the bootstrap token and the development caller do everything, and keys act on their workspace only', () => {
    for (const action of ACTIONS) {
      expect(can(ADMIN_TOKEN_PRINCIPAL, action, { organization: 'any' })).toBe(true);
      expect(can(ANONYMOUS_PRINCIPAL, action, { organization: 'any', workspace: 'any' })).toBe(true);
    }
    const key = principal({
      kind: 'api_key',
      keyId: 'key_1',
      role: 'developer',
      workspace: 'team-a',
      readableWorkspaces: ['team-a'],
      actableWorkspaces: ['team-a'],
    });
    expect(can(key, 'models.call', { organization: 'acme', workspace: 'team-a' })).toBe(true);
    expect(can(key, 'models.call', { organization: 'acme', workspace: 'team-b' })).toBe(false);
  });

  it('grants roles only up to one’s own, and organization roles only from the organization', () => {
    const workspaceAdmin = principal({ role: 'admin', workspace: 'team-a', readableWorkspaces: ['team-a'], actableWorkspaces: ['team-a'] });
    expect(mayGrant(workspaceAdmin, 'admin', 'workspace')).toBe(true);
    expect(mayGrant(workspaceAdmin, 'owner', 'workspace')).toBe(false);
    expect(mayGrant(workspaceAdmin, 'viewer', 'organization')).toBe(false);
    expect(mayGrant(principal({ role: 'owner' }), 'owner', 'organization')).toBe(true);
  });
});
