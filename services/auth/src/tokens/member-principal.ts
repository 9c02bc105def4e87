import { ROLES, type Principal, type Role } from '@switchyard/shared';
import type { Member } from '../organizations/governance-model';

/**
 * The principal of a member signed in with a JWT. A role in an organization
 * acts for all its workspaces (`organizationWorkspaces`, listed when the
 * token is verified: never `all`, which would reach other organizations'
 * records); a role in a workspace for that workspace. A
 * subject holding roles in several workspaces (and none in the organization)
 * gets all of them with the least of its roles, never more than any grant.
 */
export function principalOfMembers(
  subject: string,
  members: readonly Member[],
  organizationWorkspaces: readonly string[] = [],
): Principal | undefined {
  if (members.length === 0) return undefined;
  const byPower = [...members].sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  const organizationLevel = byPower.find((member) => member.workspace === null);
  if (organizationLevel !== undefined) {
    return Object.freeze({
      kind: 'jwt',
      keyId: '',
      subject,
      organization: organizationLevel.organization,
      workspace: '',
      role: organizationLevel.role,
      readableWorkspaces: Object.freeze([...organizationWorkspaces]),
      actableWorkspaces: Object.freeze([...organizationWorkspaces]),
      scopes: {},
    });
  }
  const organization = byPower[0].organization;
  const inOrganization = byPower.filter((member) => member.organization === organization);
  const workspaces = Object.freeze([...new Set(inOrganization.map((member) => member.workspace!))]);
  const least: Role = inOrganization[inOrganization.length - 1].role;
  return Object.freeze({
    kind: 'jwt',
    keyId: '',
    subject,
    organization,
    workspace: workspaces[0],
    role: least,
    readableWorkspaces: workspaces,
    actableWorkspaces: workspaces,
    scopes: {},
  });
}
