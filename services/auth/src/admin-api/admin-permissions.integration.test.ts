import { ROLES, type Role } from '@switchyard/shared';
import { PERMISSION_MATRIX, ROLE_LEVELS, type Action, type RoleLevel } from '../rbac/permission-matrix';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { startAdminServer, type RunningAdminServer } from './__fixtures__/admin-server';

jest.setTimeout(120_000);

/**
 * Every role, held in the organization `acme` or in its workspace `team-a`,
 * against every admin operation on a target inside that scope: allowed
 * exactly when the permission matrix (the README's table) says so.
 */
interface Operation {
  action: Action | 'organizations.create';
  /** Builds the request; may create what it acts on (as the bootstrap admin). */
  request(): Promise<{ method: string; path: string; body?: unknown }>;
  /** The status when allowed. */
  allowed: number;
}

describe.each(DATABASE_KINDS)('every role × every admin operation on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;
  const tokens = new Map<string, string>();
  let sequence = 0;
  const unique = (prefix: string) => `${prefix}-${++sequence}`;

  const asAdmin = async (method: string, path: string, body?: unknown) => {
    const answer = await admin.call(method, path, { body });
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const freshKey = async () => (await asAdmin('POST', '/admin/v1/keys', { workspace: 'team-a', name: 'target' })).id as string;
  const freshRateLimit = async () => (await asAdmin('POST', '/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 60 })).id as string;
  const freshBudget = async () => (await asAdmin('POST', '/admin/v1/budgets', { workspace: 'team-a', limit_usd: 10, period: 'day' })).id as string;
  const freshViewer = async () =>
    (await asAdmin('POST', '/admin/v1/members', { workspace: 'team-a', subject: unique('viewer'), role: 'viewer' })).id as string;

  const operations: Operation[] = [
    {
      action: 'organizations.create',
      allowed: 201,
      request: async () => ({ method: 'POST', path: '/admin/v1/organizations', body: { id: unique('org') } }),
    },
    { action: 'organizations.read', allowed: 200, request: async () => ({ method: 'GET', path: '/admin/v1/organizations/acme' }) },
    {
      action: 'workspaces.manage',
      allowed: 201,
      request: async () => ({ method: 'POST', path: '/admin/v1/workspaces', body: { id: unique('ws'), organization: 'acme' } }),
    },
    { action: 'workspaces.read', allowed: 200, request: async () => ({ method: 'GET', path: '/admin/v1/workspaces/team-a' }) },
    {
      action: 'members.manage',
      allowed: 201,
      request: async () => ({ method: 'POST', path: '/admin/v1/members', body: { workspace: 'team-a', subject: unique('new'), role: 'viewer' } }),
    },
    { action: 'members.manage', allowed: 200, request: async () => ({ method: 'DELETE', path: `/admin/v1/members/${await freshViewer()}` }) },
    {
      action: 'keys.create',
      allowed: 201,
      request: async () => ({ method: 'POST', path: '/admin/v1/keys', body: { workspace: 'team-a', name: 'k', role: 'viewer' } }),
    },
    { action: 'keys.read', allowed: 200, request: async () => ({ method: 'GET', path: '/admin/v1/keys?workspace=team-a' }) },
    { action: 'keys.read', allowed: 200, request: async () => ({ method: 'GET', path: `/admin/v1/keys/${await freshKey()}` }) },
    { action: 'keys.revoke', allowed: 200, request: async () => ({ method: 'POST', path: `/admin/v1/keys/${await freshKey()}/revoke` }) },
    {
      action: 'keys.rotate',
      allowed: 201,
      request: async () => ({ method: 'POST', path: `/admin/v1/keys/${await freshKey()}/rotate`, body: { overlap_seconds: 60 } }),
    },
    {
      action: 'tokens.issue',
      allowed: 201,
      request: async () => ({ method: 'POST', path: '/admin/v1/tokens', body: { member: await freshViewer() } }),
    },
    {
      action: 'rate_limits.manage',
      allowed: 201,
      request: async () => ({
        method: 'POST',
        path: '/admin/v1/rate-limits',
        body: { workspace: 'team-a', user: 'end-user', tokens_per_minute: 100 },
      }),
    },
    { action: 'rate_limits.manage', allowed: 200, request: async () => ({ method: 'GET', path: `/admin/v1/rate-limits/${await freshRateLimit()}` }) },
    {
      action: 'rate_limits.manage',
      allowed: 200,
      request: async () => ({ method: 'DELETE', path: `/admin/v1/rate-limits/${await freshRateLimit()}` }),
    },
    {
      action: 'budgets.manage',
      allowed: 201,
      request: async () => ({ method: 'POST', path: '/admin/v1/budgets', body: { workspace: 'team-a', limit_usd: 5, period: 'month' } }),
    },
    { action: 'budgets.manage', allowed: 200, request: async () => ({ method: 'GET', path: `/admin/v1/budgets/${await freshBudget()}` }) },
    { action: 'budgets.manage', allowed: 200, request: async () => ({ method: 'DELETE', path: `/admin/v1/budgets/${await freshBudget()}` }) },
    { action: 'audit.read', allowed: 200, request: async () => ({ method: 'GET', path: '/admin/v1/audit' }) },
    {
      action: 'evaluations.read',
      allowed: 200,
      request: async () => ({ method: 'GET', path: '/admin/v1/workspaces/team-a/datasets/listed-dataset' }),
    },
    {
      action: 'evaluations.manage',
      allowed: 201,
      request: async () => ({
        method: 'POST',
        path: '/admin/v1/workspaces/team-a/datasets',
        body: { name: unique('dataset'), jsonl: '{"input":"hi"}' },
      }),
    },
    {
      action: 'evaluations.manage',
      allowed: 202,
      request: async () => ({
        method: 'POST',
        path: '/admin/v1/workspaces/team-a/evaluations',
        body: { dataset: 'listed-dataset', model: 'gpt-4o-mini', evaluators: [{ kind: 'exact' }] },
      }),
    },
    {
      action: 'prompts.promote',
      allowed: 200,
      request: async () => ({
        method: 'PUT',
        path: '/admin/v1/workspaces/team-a/prompts/greeting/promotion-policy',
        body: { evaluators: { exact: { min_mean: 0.9 } } },
      }),
    },
  ];

  /** Listing operations filter instead of refusing: what they show is what the role may read (ids made in `beforeAll`). */
  const listed = { rateLimit: '', budget: '' };
  const listings: { action: Action; path: string; shows: () => string }[] = [
    { action: 'organizations.read', path: '/admin/v1/organizations', shows: () => 'acme' },
    { action: 'workspaces.read', path: '/admin/v1/workspaces', shows: () => 'team-a' },
    { action: 'members.read', path: '/admin/v1/members?workspace=team-a', shows: () => 'listed-member' },
    { action: 'rate_limits.manage', path: '/admin/v1/rate-limits', shows: () => listed.rateLimit },
    { action: 'budgets.manage', path: '/admin/v1/budgets', shows: () => listed.budget },
  ];

  const principals = ROLE_LEVELS.flatMap((level) => ROLES.map((role) => ({ level, role })));

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    admin = await startAdminServer(database.store, { client: database.client });
    await asAdmin('POST', '/admin/v1/organizations', { id: 'acme' });
    await asAdmin('POST', '/admin/v1/workspaces', { id: 'team-a', organization: 'acme' });
    const listedMember = await asAdmin('POST', '/admin/v1/members', { workspace: 'team-a', subject: 'listed-member', role: 'viewer' });
    expect(listedMember.id).toMatch(/^mem_/);
    listed.rateLimit = await freshRateLimit();
    listed.budget = await freshBudget();
    await asAdmin('POST', '/admin/v1/workspaces/team-a/datasets', { name: 'listed-dataset', jsonl: '{"input":"hi"}' });
    for (const { level, role } of principals) {
      const member = await asAdmin('POST', '/admin/v1/members', {
        subject: `${level}-${role}`,
        role,
        ...(level === 'organization' ? { organization: 'acme' } : { workspace: 'team-a' }),
      });
      tokens.set(`${level}/${role}`, (await asAdmin('POST', '/admin/v1/tokens', { member: member.id })).token);
    }
  });

  afterAll(async () => {
    await admin?.close();
    await database?.dispose();
  });

  const expected = (action: Operation['action'], level: RoleLevel, role: Role) =>
    action === 'organizations.create' ? false : PERMISSION_MATRIX[action][level].includes(role);

  it.each(principals)('a $level $role is allowed or refused exactly as documented', async ({ level, role }) => {
    const token = tokens.get(`${level}/${role}`)!;
    const outcomes: string[] = [];
    const documented: string[] = [];
    for (const operation of operations) {
      const { method, path, body } = await operation.request();
      const answer = await admin.call(method, path, { body, token });
      outcomes.push(`${operation.action} ${method} ${path.replace(/(key|mem|rl|budget)_[\w-]+/, '$1_…').replace(/-\d+$/, '')} → ${answer.status}`);
      documented.push(
        `${operation.action} ${method} ${path.replace(/(key|mem|rl|budget)_[\w-]+/, '$1_…').replace(/-\d+$/, '')} → ${expected(operation.action, level, role) ? operation.allowed : 403}`,
      );
      if (answer.status === 403) expect(answer.body.error.code).toBe('permission_denied');
    }
    for (const listing of listings) {
      const answer = await admin.call('GET', listing.path, { token });
      expect(answer.status).toBe(200);
      const ids = answer.body.data.map((item: { id: string; subject?: string }) => item.subject ?? item.id);
      const shows = listing.shows();
      outcomes.push(`${listing.action} GET ${listing.path} shows ${shows}: ${ids.includes(shows)}`);
      documented.push(`${listing.action} GET ${listing.path} shows ${shows}: ${PERMISSION_MATRIX[listing.action][level].includes(role)}`);
    }
    expect(outcomes).toEqual(documented);
  });
});
