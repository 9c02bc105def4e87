import { createPgliteClient, runMigrations } from '@switchyard/database';
import { GovernanceStore, openGovernanceStore } from './governance-store';
import { loadGovernanceMigrations } from './migrations';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from './__fixtures__/governance-databases';

jest.setTimeout(60_000);

describe.each(DATABASE_KINDS)('GovernanceStore on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let store: GovernanceStore;

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    store = database.store;
    await store.createOrganization({ id: 'acme', displayName: 'Acme', createdBy: 'admin' });
    await store.createWorkspace({ id: 'team-a', organization: 'acme', displayName: 'Team A', createdBy: 'admin' });
  });

  afterAll(async () => {
    await database?.dispose();
  });

  const newKey = (id: string, hmac: string) => ({
    id,
    workspace: 'team-a',
    name: 'ci',
    displayPrefix: 'sk-sy-abcd…',
    hmac,
    role: 'developer' as const,
    scopes: { models: ['openai/*'] },
    expiresAt: null,
    createdBy: 'alice',
  });

  it('records its migrations in auth_migrations and applies them once', async () => {
    const rows = await database.client.query<{ version: number; name: string }>('SELECT version, name FROM auth_migrations ORDER BY version');
    expect(rows.map((row) => `${row.version} ${row.name}`)).toEqual(['1 governance', '2 prompts', '3 evaluations', '4 experiments']);
    expect(await runMigrations(database.client, loadGovernanceMigrations(), { table: 'auth_migrations' })).toEqual([]);
    // Opening again on the same client neither fails nor closes the client it was given.
    const again = await database.openAnotherStore();
    expect((await again.getOrganization('acme'))?.displayName).toBe('Acme');
    expect((await database.client.query<{ one: number }>('SELECT 1 AS one'))[0].one).toBe(1);
  });

  it('refuses a taken organization or workspace id with 409 already_exists', async () => {
    await expect(store.createOrganization({ id: 'acme', displayName: 'Other', createdBy: 'admin' })).rejects.toMatchObject({
      status: 409,
      code: 'already_exists',
      param: 'id',
    });
    await expect(store.createWorkspace({ id: 'team-a', organization: 'acme', displayName: 'x', createdBy: 'admin' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(store.createWorkspace({ id: 'team-z', organization: 'nowhere', displayName: 'x', createdBy: 'admin' })).rejects.toMatchObject({
      status: 404,
      param: 'organization',
    });
    expect((await store.listWorkspaces('acme')).map((workspace) => workspace.id)).toEqual(['team-a']);
  });

  it('keeps organization and workspace memberships apart, one per subject and place', async () => {
    const atOrganization = await store.addMember({
      organization: 'acme',
      workspace: null,
      subject: 'carol@example.com',
      role: 'admin',
      createdBy: 'admin',
    });
    const inWorkspace = await store.addMember({
      organization: 'acme',
      workspace: 'team-a',
      subject: 'carol@example.com',
      role: 'viewer',
      createdBy: 'admin',
    });
    expect(atOrganization.id).toMatch(/^mem_/);
    await expect(
      store.addMember({ organization: 'acme', workspace: null, subject: 'carol@example.com', role: 'viewer', createdBy: 'admin' }),
    ).rejects.toMatchObject({
      status: 409,
    });
    expect((await store.listMembers({ subject: 'carol@example.com' })).map((member) => member.id)).toEqual([atOrganization.id, inWorkspace.id]);
    expect((await store.listMembers({ organization: 'acme', workspace: null })).map((member) => member.id)).toContain(atOrganization.id);
    expect((await store.listMembers({ workspace: 'team-a' })).map((member) => member.id)).toEqual([inWorkspace.id]);
    expect(await store.removeMember(inWorkspace.id)).toBe(true);
    expect(await store.removeMember(inWorkspace.id)).toBe(false);
    expect(await store.getMember(inWorkspace.id)).toBeUndefined();
  });

  it('stores keys by HMAC with their scopes, and finds them by it', async () => {
    const stored = await store.insertKey(newKey('key_store1', 'aa'.repeat(32)));
    expect(stored).toMatchObject({
      id: 'key_store1',
      organization: 'acme',
      workspace: 'team-a',
      scopes: { models: ['openai/*'] },
      revokedAt: null,
      replacedBy: null,
    });
    expect((await store.findKeyByHmac('aa'.repeat(32)))?.id).toBe('key_store1');
    expect(await store.findKeyByHmac('bb'.repeat(32))).toBeUndefined();
    await expect(store.insertKey({ ...newKey('key_store2', 'cc'.repeat(32)), workspace: 'missing' })).rejects.toMatchObject({
      status: 404,
      param: 'workspace',
    });
    expect((await store.listKeys('team-a')).map((key) => key.id)).toContain('key_store1');
  });

  it('revokes once, keeping the first revocation time', async () => {
    await store.insertKey(newKey('key_revoke', 'dd'.repeat(32)));
    const first = await store.revokeKey('key_revoke');
    const second = await store.revokeKey('key_revoke');
    expect(first.revokedAt).toBeInstanceOf(Date);
    expect(second.revokedAt).toEqual(first.revokedAt);
    await expect(store.revokeKey('key_missing')).rejects.toMatchObject({ status: 404 });
  });

  it('rotates a key once, in one transaction, and refuses a revoked or rotated key', async () => {
    await store.insertKey(newKey('key_old', 'ee'.repeat(32)));
    const overlap = new Date(Date.now() + 3_600_000);
    const { previous, replacement } = await store.rotateKey('key_old', newKey('key_new', 'ff'.repeat(32)), overlap);
    expect(previous).toMatchObject({ replacedBy: 'key_new', rotationOverlapEndsAt: overlap });
    expect(replacement.id).toBe('key_new');
    await expect(store.rotateKey('key_old', newKey('key_newer', '11'.repeat(32)), overlap)).rejects.toMatchObject({
      status: 409,
      code: 'key_already_rotated',
    });
    await expect(store.rotateKey('key_revoke', newKey('key_newest', '22'.repeat(32)), overlap)).rejects.toMatchObject({
      status: 409,
      code: 'key_revoked',
    });
    // Nothing of the refused rotations was written.
    expect(await store.getKey('key_newer')).toBeUndefined();
    expect(await store.getKey('key_newest')).toBeUndefined();
  });

  it('creates a setting once and reads the same value back afterwards', async () => {
    const first = await store.loadOrCreateSetting('test_secret', () => 'one');
    const second = await store.loadOrCreateSetting('test_secret', () => 'two');
    expect([first, second]).toEqual(['one', 'one']);
  });
});

describe('openGovernanceStore beside the event tables', () => {
  it('shares one embedded database with another migration set without touching it', async () => {
    const client = await createPgliteClient();
    try {
      await runMigrations(client, [{ version: 1, name: 'events', sql: 'CREATE TABLE requests (id text)' }]);
      await openGovernanceStore(client);
      const tables = await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
      );
      expect(tables.map((row) => row.name)).toEqual([
        'api_keys',
        'auth_migrations',
        'auth_settings',
        'evaluation_dataset_items',
        'evaluation_datasets',
        'evaluation_results',
        'evaluation_runs',
        'experiments',
        'members',
        'organizations',
        'prompt_label_moves',
        'prompt_labels',
        'prompt_promotion_policies',
        'prompt_versions',
        'prompts',
        'requests',
        'schema_migrations',
        'workspaces',
      ]);
    } finally {
      await client.close();
    }
  });
});
