import { execFile } from 'node:child_process';
import path from 'node:path';
import { ApiKeyVerifier } from '@switchyard/auth';
import { startAdminServer, TEST_ADMIN_TOKEN, type RunningAdminServer } from '../../../../services/auth/src/admin-api/__fixtures__/admin-server';
import { openTestGovernanceDatabase, type TestGovernanceDatabase } from '../../../../services/auth/src/storage/__fixtures__/governance-databases';

jest.setTimeout(60_000);

/** The built `switchyard` command (jest's global setup builds it). */
const CLI = path.resolve(__dirname, '../../dist/cli.js');

function switchyard(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('switchyard keys … against a running server', () => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;
  const withToken = { SWITCHYARD_ADMIN_TOKEN: TEST_ADMIN_TOKEN };

  beforeAll(async () => {
    database = await openTestGovernanceDatabase('postgres');
    admin = await startAdminServer(database.store);
    await admin.call('POST', '/admin/v1/organizations', { body: { id: 'acme' } });
    await admin.call('POST', '/admin/v1/workspaces', { body: { id: 'team-a', organization: 'acme' } });
  });

  afterAll(async () => {
    await admin?.close();
    await database?.dispose();
  });

  it('creates, lists, rotates and revokes a key, printing the server’s JSON', async () => {
    const created = await switchyard(['keys', 'create', '--workspace', 'team-a', '--name', 'from cli', '--url', admin.url], withToken);
    expect([created.code, created.stderr]).toEqual([0, '']);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ object: 'api_key', workspace: 'team-a', name: 'from cli', status: 'active' });
    expect(key.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);

    const verifier = new ApiKeyVerifier({ store: database.store, secret: admin.keyHashSecret, invalidations: admin.invalidations });
    try {
      await expect(verifier.verify(key.key)).resolves.toMatchObject({ keyId: key.id, workspace: 'team-a' });

      const listed = await switchyard(['keys', 'list', '--workspace', 'team-a', '--url', admin.url], withToken);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).data.map((each: { id: string }) => each.id)).toEqual([key.id]);
      expect(listed.stdout).not.toContain(key.key);

      const rotated = await switchyard(['keys', 'rotate', key.id, '--overlap-seconds', '0', '--url', admin.url], withToken);
      expect(rotated.code).toBe(0);
      const replacement = JSON.parse(rotated.stdout);
      expect(replacement.rotated_from).toMatchObject({ id: key.id, replaced_by: replacement.id });
      await expect(verifier.verify(key.key)).rejects.toMatchObject({ status: 401 });
      await expect(verifier.verify(replacement.key)).resolves.toMatchObject({ keyId: replacement.id });

      const revoked = await switchyard(['keys', 'revoke', replacement.id, '--url', admin.url], withToken);
      expect([revoked.code, JSON.parse(revoked.stdout).status]).toEqual([0, 'revoked']);
      await expect(verifier.verify(replacement.key)).rejects.toMatchObject({ status: 401 });
    } finally {
      verifier.close();
    }
  });

  it('prints the server’s error and exits 1 without a valid token', async () => {
    const refused = await switchyard(['keys', 'list', '--workspace', 'team-a', '--url', admin.url], { SWITCHYARD_ADMIN_TOKEN: 'wrong' });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'invalid_api_key' });
    expect(refused.stdout).toBe('');
  });

  it('exits 2 with the usage on bad arguments, and 1 when nothing answers', async () => {
    const missing = await switchyard(['keys', 'create', '--url', admin.url], withToken);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('keys create needs --workspace')]);
    const unknown = await switchyard(['keys', 'explode'], withToken);
    expect(unknown.code).toBe(2);
    const unreachable = await switchyard(['keys', 'list', '--workspace', 'team-a', '--url', 'http://127.0.0.1:1'], withToken);
    expect([unreachable.code, unreachable.stderr]).toEqual([1, expect.stringContaining('cannot reach http://127.0.0.1:1')]);
  });
});
