import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

describe('switchyard prompts … against a running server', () => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;
  let directory: string;
  const withToken = { SWITCHYARD_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
  const options = () => ['--workspace', 'team-a', '--url', admin.url];

  beforeAll(async () => {
    database = await openTestGovernanceDatabase('pglite');
    admin = await startAdminServer(database.store, { client: database.client });
    await admin.call('POST', '/admin/v1/organizations', { body: { id: 'acme' } });
    await admin.call('POST', '/admin/v1/workspaces', { body: { id: 'team-a', organization: 'acme' } });
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-prompts-cli-'));
  });

  afterAll(async () => {
    await admin?.close();
    await database?.dispose();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('pushes changed files only, promotes, rolls back and pulls what a label points at', async () => {
    const source = path.join(directory, 'source');
    await switchyard(['prompts', 'pull', source, ...options()], withToken);
    const write = (name: string, content: unknown) => writeFileSync(path.join(source, `${name}.json`), JSON.stringify(content));
    write('support', {
      type: 'chat',
      template: [{ role: 'system', content: 'Help {{who}}.' }],
      variables: { who: { type: 'string' } },
      config: { model: 'gpt-4o-mini' },
    });
    write('haiku', { type: 'text', template: 'A haiku.', commit_message: 'first' });

    const first = await switchyard(['prompts', 'push', source, '--label', 'staging', ...options()], withToken);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toBe('haiku: version 1 (staging)\nsupport: version 1 (staging)\n');

    // Unchanged files make no version, whatever the order of their keys.
    write('support', {
      config: { model: 'gpt-4o-mini' },
      variables: { who: { type: 'string' } },
      template: [{ content: 'Help {{who}}.', role: 'system' }],
      type: 'chat',
    });
    write('haiku', { type: 'text', template: 'A better haiku.' });
    const second = await switchyard(['prompts', 'push', source, ...options()], withToken);
    expect(second.stdout).toBe('haiku: version 2\nsupport: unchanged (version 1)\n');

    const promoted = await switchyard(['prompts', 'promote', 'haiku', '--version', '2', ...options()], withToken);
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ label: 'production', version: 2, previous_version: null });
    await switchyard(['prompts', 'promote', 'haiku', '--version', '1', ...options()], withToken);
    const rolledBack = await switchyard(['prompts', 'rollback', 'haiku', ...options()], withToken);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ label: 'production', version: 2, previous_version: 1, reason: 'rollback' });

    const pulled = path.join(directory, 'pulled');
    const pull = await switchyard(['prompts', 'pull', pulled, '--label', 'staging', ...options()], withToken);
    expect(pull.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(pulled, 'haiku.json'), 'utf8'))).toEqual({
      type: 'text',
      template: 'A haiku.',
      variables: {},
      config: {},
    });
    expect(JSON.parse(readFileSync(path.join(pulled, 'support.json'), 'utf8'))).toMatchObject({ type: 'chat', config: { model: 'gpt-4o-mini' } });
  });

  it('sends nothing when a file is bad, and says what the server refused', async () => {
    const bad = path.join(directory, 'bad');
    await switchyard(['prompts', 'pull', bad, '--label', 'none', ...options()], withToken);
    writeFileSync(path.join(bad, 'fine.json'), JSON.stringify({ type: 'text', template: 'ok' }));
    writeFileSync(path.join(bad, 'broken.json'), JSON.stringify({ type: 'text', template: 'x', owner: 'me' }));
    const refused = await switchyard(['prompts', 'push', bad, ...options()], withToken);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('broken.json: unknown field "owner"');
    expect((await admin.call('GET', '/admin/v1/workspaces/team-a/prompts/fine')).status).toBe(404);

    writeFileSync(path.join(bad, 'broken.json'), JSON.stringify({ type: 'text', template: 'Hello {{who' }));
    const unparsable = await switchyard(['prompts', 'push', bad, ...options()], withToken);
    expect(unparsable.code).toBe(1);
    expect(unparsable.stderr).toContain('line 1, column 7');

    const missing = await switchyard(['prompts', 'rollback', 'nothing-here', ...options()], withToken);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('answered 404')]);
    expect((await switchyard(['prompts', 'promote', 'haiku', ...options()], withToken)).code).toBe(2);
    expect((await switchyard(['prompts', 'push', bad, '--url', admin.url], withToken)).code).toBe(2);
  });
});
