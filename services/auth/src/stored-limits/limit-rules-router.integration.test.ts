import { randomBytes } from 'node:crypto';
import { ANONYMOUS_PRINCIPAL, type Principal } from '@switchyard/shared';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import { startAdminServer, type RunningAdminServer } from '../admin-api/__fixtures__/admin-server';
import { parseAuditJsonl } from '../audit/audit-export';
import { verifyAuditChain } from '../audit/verify-audit-chain';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { InProcessLimitChangeBus, RedisLimitChangeBus } from './limit-change-bus';
import { StoredBudgetPolicy, StoredLimitRules, StoredRateLimitPolicy } from './stored-limit-rules';
import { StoredLimitStore } from './stored-limit-store';

jest.setTimeout(60_000);

/**
 * Rate limits and budgets through the admin API: stored, scoped to the
 * caller's workspaces, refused with a 400 naming the field (nothing
 * written), reported to the audit hook, and applied by the policies at
 * once; the audit export filtered to what the caller may read.
 */
describe.each(DATABASE_KINDS)('stored rate limits and budgets on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;
  let adminOfA: string;
  let developerKey: string;

  const asRoot = async (method: string, path: string, body?: unknown) => {
    const answer = await admin.call(method, path, { body });
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const keyPrincipal = (workspace: string, keyId = ''): Principal => ({ ...ANONYMOUS_PRINCIPAL, kind: 'api_key', keyId, workspace });

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    admin = await startAdminServer(database.store, { client: database.client });
    await asRoot('POST', '/admin/v1/organizations', { id: 'acme' });
    await asRoot('POST', '/admin/v1/workspaces', { id: 'team-a', organization: 'acme' });
    await asRoot('POST', '/admin/v1/workspaces', { id: 'team-b', organization: 'acme' });
    const member = await asRoot('POST', '/admin/v1/members', { workspace: 'team-a', subject: 'admin-of-a', role: 'admin' });
    adminOfA = (await asRoot('POST', '/admin/v1/tokens', { member: member.id })).token;
    developerKey = (await asRoot('POST', '/admin/v1/keys', { workspace: 'team-a', name: 'dev' })).id;
  });

  afterAll(async () => {
    await admin?.close();
    await database?.dispose();
  });

  it('applies a created rule at once and stops applying it when deleted', async () => {
    const policy = new StoredRateLimitPolicy(admin.storedLimits!);
    const created = await admin.call('POST', '/admin/v1/rate-limits', {
      body: { workspace: 'team-a', key: developerKey, requests_per_minute: 3 },
      token: adminOfA,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'rate_limit', workspace: 'team-a', scope: 'key', key: developerKey, requests_per_minute: 3 });
    const subject = { workspace: 'team-a', user: '', model: 'gpt-4o' };
    expect(policy.limitsFor(keyPrincipal('team-a', developerKey), subject)).toEqual([
      expect.objectContaining({ scope: 'key', subject: developerKey, requestsPerMinute: 3, tokenKind: 'total' }),
    ]);
    expect(policy.limitsFor(keyPrincipal('team-a', 'key_other'), subject)).toEqual([]);

    const budgets = new StoredBudgetPolicy(admin.storedLimits!);
    const budget = await asRoot('POST', '/admin/v1/budgets', { workspace: 'team-a', user: 'alice', limit_usd: 2.5, period: 'week' });
    expect(budgets.budgetsFor({ keyId: '', workspace: 'team-a', user: 'alice' })).toEqual([
      expect.objectContaining({ scope: 'user', subject: 'alice', rule: expect.objectContaining({ limitUsd: 2.5, period: 'week', timezone: 'UTC' }) }),
    ]);
    expect(budgets.budgetsFor({ keyId: '', workspace: 'team-b', user: 'alice' })).toEqual([]);

    expect((await admin.call('DELETE', `/admin/v1/rate-limits/${created.body.id}`, { token: adminOfA })).status).toBe(200);
    await asRoot('DELETE', `/admin/v1/budgets/${budget.id}`);
    expect(policy.limitsFor(keyPrincipal('team-a', developerKey), subject)).toEqual([]);
    expect(budgets.budgetsFor({ keyId: '', workspace: 'team-a', user: 'alice' })).toEqual([]);
    expect((await admin.call('GET', `/admin/v1/rate-limits/${created.body.id}`, { token: adminOfA })).status).toBe(404);
  });

  it("refuses a workspace admin of team-a everything on team-b's rules, and hides them", async () => {
    const rateLimitOfB = await asRoot('POST', '/admin/v1/rate-limits', { workspace: 'team-b', requests_per_minute: 10 });
    const budgetOfB = await asRoot('POST', '/admin/v1/budgets', { workspace: 'team-b', limit_usd: 10, period: 'month' });
    const ownBudget = (
      await admin.call('POST', '/admin/v1/budgets', { body: { workspace: 'team-a', limit_usd: 10, period: 'day' }, token: adminOfA })
    ).body;
    const refused = [
      await admin.call('POST', '/admin/v1/rate-limits', { body: { workspace: 'team-b', requests_per_minute: 1 }, token: adminOfA }),
      await admin.call('POST', '/admin/v1/budgets', { body: { workspace: 'team-b', limit_usd: 1, period: 'day' }, token: adminOfA }),
      await admin.call('GET', `/admin/v1/rate-limits/${rateLimitOfB.id}`, { token: adminOfA }),
      await admin.call('DELETE', `/admin/v1/rate-limits/${rateLimitOfB.id}`, { token: adminOfA }),
      await admin.call('GET', `/admin/v1/budgets/${budgetOfB.id}`, { token: adminOfA }),
      await admin.call('DELETE', `/admin/v1/budgets/${budgetOfB.id}`, { token: adminOfA }),
    ];
    expect(refused.map((answer) => [answer.status, answer.body.error.code])).toEqual(Array(6).fill([403, 'permission_denied']));
    const listedRateLimits = (await admin.call('GET', '/admin/v1/rate-limits', { token: adminOfA })).body.data.map((rule: { id: string }) => rule.id);
    const listedBudgets = (await admin.call('GET', '/admin/v1/budgets?workspace=team-b', { token: adminOfA })).body.data;
    expect(listedRateLimits).not.toContain(rateLimitOfB.id);
    expect(listedBudgets).toEqual([]);
    expect((await admin.call('GET', '/admin/v1/budgets', { token: adminOfA })).body.data.map((rule: { id: string }) => rule.id)).toEqual([
      ownBudget.id,
    ]);
    // Still there: nothing was deleted by the refused calls.
    expect((await asRoot('GET', `/admin/v1/rate-limits/${rateLimitOfB.id}`)).id).toBe(rateLimitOfB.id);
    expect(admin.events.filter((event) => event.outcome === 'denied' && event.target.workspace === 'team-b').length).toBeGreaterThanOrEqual(6);
    await asRoot('DELETE', `/admin/v1/rate-limits/${rateLimitOfB.id}`);
    await asRoot('DELETE', `/admin/v1/budgets/${budgetOfB.id}`);
    await asRoot('DELETE', `/admin/v1/budgets/${ownBudget.id}`);
  });

  it.each([
    ['/admin/v1/rate-limits', { requests_per_minute: 5 }, 'workspace'],
    ['/admin/v1/rate-limits', { workspace: 'team-a' }, 'requests_per_minute'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 0 }, 'requests_per_minute'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', tokens_per_minute: 1.5 }, 'tokens_per_minute'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', tokens_per_minute: 5, token_kind: 'cached' }, 'token_kind'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 5, key: 'sk-sy-not-an-id' }, 'key'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 5, key: 'key_x', user: 'alice' }, 'user'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 5, user: "alice'; DROP TABLE budget_rules;--" }, 'user'],
    ['/admin/v1/rate-limits', { workspace: 'Team A', requests_per_minute: 5 }, 'workspace'],
    ['/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 5, scope: 'model' }, 'scope'],
    ['/admin/v1/budgets', { workspace: 'team-a', period: 'day' }, 'limit_usd'],
    ['/admin/v1/budgets', { workspace: 'team-a', limit_usd: -1, period: 'day' }, 'limit_usd'],
    ['/admin/v1/budgets', { workspace: 'team-a', limit_usd: '10', period: 'day' }, 'limit_usd'],
    ['/admin/v1/budgets', { workspace: 'team-a', limit_usd: 10 }, 'period'],
    ['/admin/v1/budgets', { workspace: 'team-a', limit_usd: 10, period: 'year' }, 'period'],
    ['/admin/v1/budgets', { workspace: 'team-a', limit_usd: 10, period: 'day', timezone: 'Mars/Olympus' }, 'timezone'],
    ['/admin/v1/budgets', { workspace: 'team-a', limit_usd: 10, period: 'day', alert_at_percent: 120 }, 'alert_at_percent'],
  ])('POST %s %j is a 400 naming `%s`, and nothing is written', async (path, body, param) => {
    const before = [...(await asRoot('GET', '/admin/v1/rate-limits')).data, ...(await asRoot('GET', '/admin/v1/budgets')).data];
    const answer = await admin.call('POST', path, { body });
    expect([answer.status, answer.body.error.type, answer.body.error.param]).toEqual([400, 'invalid_request_error', param]);
    expect(typeof answer.body.error.message).toBe('string');
    const after = [...(await asRoot('GET', '/admin/v1/rate-limits')).data, ...(await asRoot('GET', '/admin/v1/budgets')).data];
    expect(after).toEqual(before);
  });

  it('answers 404 for a key of another workspace', async () => {
    const keyOfB = (await asRoot('POST', '/admin/v1/keys', { workspace: 'team-b', name: 'b' })).id;
    const answer = await admin.call('POST', '/admin/v1/rate-limits', { body: { workspace: 'team-a', key: keyOfB, requests_per_minute: 1 } });
    expect([answer.status, answer.body.error.param]).toEqual([404, 'key']);
  });

  it('reports every change to the audit hook, and the export shows each caller what it may read', async () => {
    const created = await admin.call('POST', '/admin/v1/budgets', { body: { workspace: 'team-a', limit_usd: 3, period: 'day' }, token: adminOfA });
    await admin.call('DELETE', `/admin/v1/budgets/${created.body.id}`, { token: adminOfA });
    const reported = admin.events.filter((event) => event.target.id === created.body.id);
    expect(reported.map((event) => [event.action, event.outcome, event.actor.subject, event.target.workspace])).toEqual([
      ['budgets.manage', 'allowed', 'admin-of-a', 'team-a'],
      ['budgets.manage', 'allowed', 'admin-of-a', 'team-a'],
    ]);
    expect(reported[0].after).toMatchObject({ limit_usd: 3 });
    expect(reported[1].before).toMatchObject({ id: created.body.id });

    const complete = await admin.call('GET', '/admin/v1/audit');
    expect([complete.status, complete.contentType]).toEqual([200, expect.stringContaining('application/x-ndjson')]);
    const whole = parseAuditJsonl(complete.body);
    expect(whole.checkpoints.length).toBeGreaterThan(0);
    expect(whole.records.filter((record) => record.target?.id === created.body.id).map((record) => record.action)).toEqual([
      'budgets.manage',
      'budgets.manage',
    ]);
    expect(new Set(whole.records.map((record) => record.workspace))).toEqual(new Set([null, 'team-a', 'team-b']));
    expect((await verifyAuditChain(whole.records, whole.checkpoints, { fromGenesis: true })).ok).toBe(true);

    const filtered = await admin.call('GET', '/admin/v1/audit', { token: adminOfA });
    expect(filtered.status).toBe(200);
    const own = parseAuditJsonl(filtered.body);
    expect(own.checkpoints).toEqual([]);
    expect(own.records.length).toBeGreaterThan(0);
    expect(new Set(own.records.map((record) => record.workspace))).toEqual(new Set(['team-a']));

    const future = await admin.call('GET', `/admin/v1/audit?from=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect([future.status, future.body]).toEqual([200, undefined]);
    const bad = await admin.call('GET', '/admin/v1/audit?from=yesterday');
    expect([bad.status, bad.body.error.param]).toEqual([400, 'from']);
    const unknown = await admin.call('GET', '/admin/v1/audit?workspace=team-b');
    expect([unknown.status, unknown.body.error.param]).toEqual([400, 'workspace']);
  });
});

describe('stored rules across processes', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('reach a second process over Redis pub/sub', async () => {
    await requireRedis();
    const database = await openTestGovernanceDatabase('postgres');
    closers.push(() => database.dispose());
    const channel = `test:limit-changes:${randomBytes(6).toString('hex')}`;
    const [here, there] = [new StoredLimitRules(), new StoredLimitRules()];
    const store = await StoredLimitStore.open(database.client);
    await here.attach(store, await RedisLimitChangeBus.connect({ url: REDIS_URL, channel }), { reloadIntervalMs: 3_600_000 });
    closers.push(() => here.close());
    // The same tables through a store of its own; only Redis tells it of the change.
    await there.attach(await StoredLimitStore.open(database.client), await RedisLimitChangeBus.connect({ url: REDIS_URL, channel }), {
      reloadIntervalMs: 3_600_000,
    });
    closers.push(() => there.close());

    const created = await store.createRateLimit({
      organization: 'acme',
      workspace: 'team-a',
      scope: 'workspace',
      subject: 'team-a',
      requestsPerMinute: 7,
      tokenKind: 'total',
      createdBy: 'test',
    });
    await here.changed();
    expect(here.rateLimitsOf('team-a').map((rule) => rule.id)).toEqual([created.id]);
    await waitFor(
      () => there.rateLimitsOf('team-a').map((rule) => rule.id),
      (ids) => ids.length === 1 && ids[0] === created.id,
      { timeoutMs: 5_000, what: 'the other process to load the new rule' },
    );
    await store.deleteRateLimit(created.id);
    await here.changed();
    await waitFor(
      () => there.rateLimitsOf('team-a').length,
      (count) => count === 0,
      { timeoutMs: 5_000, what: 'the other process to drop the rule' },
    );
  });

  it('reach a process that missed the message with the periodic reload', async () => {
    const database = await openTestGovernanceDatabase('pglite');
    closers.push(() => database.dispose());
    const store = await StoredLimitStore.open(database.client);
    const rules = new StoredLimitRules();
    // A bus of its own: no change message ever reaches it.
    await rules.attach(store, new InProcessLimitChangeBus(), { reloadIntervalMs: 50 });
    closers.push(() => rules.close());
    await store.createBudget({
      organization: 'acme',
      workspace: 'team-a',
      scope: 'workspace',
      subject: 'team-a',
      limitUsd: 1,
      period: 'day',
      timezone: 'UTC',
      createdBy: 'test',
    });
    await waitFor(
      () => rules.budgetsOf('team-a').length,
      (count) => count === 1,
      { timeoutMs: 5_000, what: 'the periodic reload' },
    );
  });
});
