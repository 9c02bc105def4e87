import { scopeIncludes } from '@switchyard/shared';
import type { Member } from '../organizations/governance-model';
import { can } from '../rbac/can';
import { principalOfMembers } from './member-principal';

const member = (overrides: Partial<Member>): Member => ({
  id: 'mem_1',
  organization: 'acme',
  workspace: null,
  subject: 'alice',
  role: 'admin',
  createdBy: 'admin',
  createdAt: new Date(0),
  ...overrides,
});

describe('principalOfMembers', () => {
  it("gives an organization-level role its organization's workspaces, never every workspace", () => {
    const principal = principalOfMembers('alice', [member({})], ['acme-search', 'acme-chat'])!;
    expect(principal.readableWorkspaces).toEqual(['acme-search', 'acme-chat']);
    expect(principal.actableWorkspaces).toEqual(['acme-search', 'acme-chat']);
    expect(scopeIncludes(principal.readableWorkspaces, 'globex-prod')).toBe(false);
    // Still an organization-level role for the permission matrix: it may create workspaces in its organization only.
    expect(can(principal, 'workspaces.manage', { organization: 'acme' })).toBe(true);
    expect(can(principal, 'workspaces.manage', { organization: 'globex' })).toBe(false);
  });

  it('gives workspace-level roles their workspaces at the least of their roles', () => {
    const principal = principalOfMembers('bob', [
      member({ workspace: 'acme-search', role: 'admin', subject: 'bob' }),
      member({ workspace: 'acme-chat', role: 'viewer', subject: 'bob' }),
    ])!;
    expect(principal.readableWorkspaces).toEqual(['acme-search', 'acme-chat']);
    expect(principal.role).toBe('viewer');
    expect(can(principal, 'workspaces.manage', { organization: 'acme' })).toBe(false);
  });
});
