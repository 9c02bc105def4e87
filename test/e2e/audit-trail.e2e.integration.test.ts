import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPgliteClient } from '@switchyard/database';
import { freePort } from '../support/infrastructure';
import { waitFor } from '../support/wait-for';

/**
 * The audit trail of a running `switchyard` (one process, its embedded
 * database in a data directory, SWITCHYARD_ADMIN_TOKEN set): an admin
 * action, a refused key and a permission denial each leave a record;
 * `switchyard audit verify` finds the chain intact, and names the record
 * once one is edited behind the append-only trigger's back.
 */

const cli = path.resolve(__dirname, '../../packages/cli/dist/cli.js');

let directory: string;
let gateway: ChildProcess | undefined;

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `switchyard <args>` to its end, with the exit code (execFile rejects on a non-zero one). */
function run(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    const [code] = await exited;
    return code as number | null;
  } finally {
    clearTimeout(killer);
  }
}

beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'switchyard-audit-'));
});

afterAll(async () => {
  if (gateway) await stop(gateway);
  if (directory) rmSync(directory, { recursive: true, force: true });
}, 30_000);

it('records an admin action, a refused key and a permission denial; verify finds the chain intact, then the edited record', async () => {
  const adminToken = `audit-admin-${randomBytes(12).toString('hex')}`;
  const env = {
    SWITCHYARD_DATA_DIR: path.join(directory, 'data'),
    // One process makes its checkpoint signing key here on first start; verify checks the checkpoints with it.
    SWITCHYARD_AUDIT_SIGNING_KEY_FILE: path.join(directory, 'audit-signing-key.pem'),
  };
  const port = await freePort();
  let output = '';
  gateway = spawn(process.execPath, [cli], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: String(port), SWITCHYARD_ADMIN_TOKEN: adminToken, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout!.on('data', (data) => (output += data));
  gateway.stderr!.on('data', (data) => (output += data));
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${origin}/readyz`).then(
        (response) => response.status,
        () => 0,
      ),
    (status) => status === 200,
    { timeoutMs: 60_000, what: `${origin}/readyz`, intervalMs: 50 },
  ).catch(() => {
    throw new Error(`not ready:\n${output}`);
  });

  // An admin action: a developer key made with the admin token.
  const created = await fetch(`${origin}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ workspace: 'default', name: 'audited' }),
  });
  expect(created.status).toBe(201);
  const { id: keyId, key } = (await created.json()) as { id: string; key: string };
  // A refused key: well formed, but never issued.
  const unknownKey = `sk-sy-${randomBytes(32).toString('base64url')}`;
  const refused = await fetch(`${origin}/v1/models`, { headers: { authorization: `Bearer ${unknownKey}` } });
  expect(refused.status).toBe(401);
  // A permission denial: deleting an end user's data takes an owner or an admin, not a developer.
  const denied = await fetch(`${origin}/v1/users/carol/data`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
  expect(denied.status).toBe(403);
  expect(await denied.json()).toMatchObject({ error: { code: 'permission_denied' } });

  // Records are appended off the request path; the data directory is free once the process has exited.
  expect(await stop(gateway)).toBe(0);

  const exported = await run(['audit', 'export'], env);
  expect(exported).toMatchObject({ code: 0 });
  const records = exported.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>)
    .filter((line) => line.checkpoint === undefined);
  const byAction = (action: string) => records.filter((record) => record.action === action);
  expect(byAction('keys.create')).toEqual([expect.objectContaining({ outcome: 'success', target: { type: 'api_key', id: keyId } })]);
  expect(byAction('api_key.denied')).toEqual([expect.objectContaining({ outcome: 'denied', target: { type: 'route', id: 'GET /v1/models' } })]);
  expect(byAction('permission.denied')).toEqual([
    expect.objectContaining({
      outcome: 'denied',
      actor: expect.objectContaining({ keyId }),
      target: { type: 'route', id: 'DELETE /v1/users/carol/data' },
    }),
  ]);
  expect(exported.stdout).not.toContain(key);
  expect(exported.stdout).not.toContain(unknownKey);
  expect(exported.stdout).not.toContain(adminToken);

  const intact = await run(['audit', 'verify'], env);
  expect(intact).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain intact: /) });

  // What a superuser could do: switch the append-only trigger off and rewrite the refused key's record.
  const edited = byAction('api_key.denied')[0].sequence as number;
  const database = await createPgliteClient({ dataDir: env.SWITCHYARD_DATA_DIR });
  try {
    await database.query('ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only');
    await database.query("UPDATE audit_records SET source_ip = '203.0.113.7' WHERE sequence = $1", [edited]);
    await database.query('ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only');
  } finally {
    await database.close();
  }
  const broken = await run(['audit', 'verify'], env);
  expect(broken).toMatchObject({ code: 1, stdout: expect.stringContaining(`audit chain BROKEN at sequence ${edited} (edited)`) });
}, 180_000);
