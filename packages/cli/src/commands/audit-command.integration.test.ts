import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadCheckpointSigningKey, SqlAuditLog, type AuditEntry } from '@switchyard/auth';
import { createPgliteClient } from '@switchyard/database';
import { asTableOwner, openTestDatabase, type TestDatabase } from '../../../../services/auth/src/audit/__fixtures__/test-databases';
import { runAuditCommand } from './audit-command';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

let database: TestDatabase;
let directory: string;
let env: Record<string, string>;

const entry = (index: number): AuditEntry => ({
  actor: { kind: 'admin_token', subject: 'admin', keyId: '', organization: '' },
  action: index % 2 === 0 ? 'keys.create' : 'keys.revoke',
  outcome: 'success',
  workspace: 'team-a',
  target: { type: 'api_key', id: `key_${index}` },
});

beforeAll(async () => {
  database = await openTestDatabase('postgres');
  directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-audit-cli-'));
  const keyFile = path.join(directory, 'audit-signing-key.pem');
  const log = await SqlAuditLog.open(database.client, {
    signer: loadCheckpointSigningKey({ env: {}, file: keyFile, generateIfMissing: true }),
    checkpointEvery: 5,
  });
  for (let index = 1; index <= 12; index += 1) await log.append(entry(index));
  log.close();
  env = { SWITCHYARD_POSTGRES_URL: database.url!, SWITCHYARD_AUDIT_SIGNING_KEY_FILE: keyFile };
});

afterAll(async () => {
  await database?.dispose();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runAuditCommand(argv, { env, stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** The built command, as an operator runs it. */
function spawnCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'audit', ...argv], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('switchyard audit', () => {
  it('verifies the database named by SWITCHYARD_POSTGRES_URL, checkpoints included', async () => {
    const result = await run('verify');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^audit chain intact: 12 records \(1-12\), head [0-9a-f]{64}; 2 signed checkpoints verified\n$/);
  });

  // The built command loads every role's code: slow to start on a loaded machine.
  it('exports JSONL that the built command verifies, and catches an edited, a deleted and a reordered line', async () => {
    const file = path.join(directory, 'export.jsonl');
    const exported = await run('export', '--from', '1', '--to', '12', '--output', file);
    expect(exported).toMatchObject({ code: 0, stderr: 'exported 12 records and 2 checkpoints\n' });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(14);
    expect(await spawnCli('verify', '--file', file)).toMatchObject({ code: 0, stdout: expect.stringContaining('audit chain intact: 12 records') });

    const checkpoints = lines.slice(0, 2);
    const records = lines.slice(2);
    const variant = (name: string, recordLines: string[]) => {
      const variantFile = path.join(directory, `${name}.jsonl`);
      writeFileSync(variantFile, `${[...checkpoints, ...recordLines].join('\n')}\n`);
      return variantFile;
    };
    const edited = [...records];
    edited[6] = edited[6].replace('"workspace":"team-a"', '"workspace":"team-b"');
    expect(await run('verify', '--file', variant('edited', edited))).toMatchObject({
      code: 1,
      stdout: 'audit chain BROKEN at sequence 7 (edited): Record 7 does not match its hash: it was changed after it was written.\n',
    });
    expect(
      await run(
        'verify',
        '--file',
        variant(
          'deleted',
          records.filter((_, index) => index !== 8),
        ),
      ),
    ).toMatchObject({
      code: 1,
      stdout: 'audit chain BROKEN at sequence 9 (missing): Record 9 is missing: the sequence jumps from 8 to 10.\n',
    });
    const reordered = [...records];
    [reordered[2], reordered[3]] = [reordered[3], reordered[2]];
    expect(await run('verify', '--file', variant('reordered', reordered))).toMatchObject({
      code: 1,
      stdout: 'audit chain BROKEN at sequence 3 (out_of_order): Record 4 comes before record 3: the records were reordered.\n',
    });
  }, 60_000);

  it('exports a time range to standard output', async () => {
    const everything = await run('export', '--from', '2000-01-01T00:00:00Z', '--to', new Date(Date.now() + 60_000).toISOString());
    expect(everything.stdout.trimEnd().split('\n')).toHaveLength(14);
    const nothing = await run('export', '--to', '2000-01-01T00:00:00Z');
    expect(nothing).toMatchObject({ code: 0, stdout: '', stderr: 'exported 0 records and 0 checkpoints\n' });
  });

  it('answers bad options with usage (exit 2), and a database without an audit trail with exit 1', async () => {
    expect(await run('export', '--from', 'yesterday')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--from must be a sequence number or an ISO 8601 time'),
    });
    expect(await run('prune')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "prune"') });
    const empty = await openTestDatabase('postgres');
    try {
      const saved = env.SWITCHYARD_POSTGRES_URL;
      env.SWITCHYARD_POSTGRES_URL = empty.url!;
      try {
        expect(await run('verify')).toMatchObject({ code: 1, stderr: expect.stringContaining('holds no audit trail') });
      } finally {
        env.SWITCHYARD_POSTGRES_URL = saved;
      }
    } finally {
      await empty.dispose();
    }
  });

  it('verifies the embedded database in SWITCHYARD_DATA_DIR when no Postgres is configured', async () => {
    const dataDirectory = path.join(directory, 'embedded');
    const embedded = await createPgliteClient({ dataDir: dataDirectory });
    try {
      const log = await SqlAuditLog.open(embedded, {
        signer: loadCheckpointSigningKey({ env: {}, file: env.SWITCHYARD_AUDIT_SIGNING_KEY_FILE }),
        checkpointEvery: 2,
      });
      for (let index = 1; index <= 3; index += 1) await log.append(entry(index));
      log.close();
    } finally {
      await embedded.close();
    }
    const saved = env;
    env = { SWITCHYARD_DATA_DIR: dataDirectory, SWITCHYARD_AUDIT_SIGNING_KEY_FILE: saved.SWITCHYARD_AUDIT_SIGNING_KEY_FILE };
    try {
      expect(await run('verify')).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^audit chain intact: 3 records \(1-3\), head [0-9a-f]{64}; 1 signed checkpoints verified\n$/),
      });
    } finally {
      env = saved;
    }
  }, 60_000);

  // Last: it breaks the chain for good.
  it('names the first bad sequence number of a tampered database', async () => {
    await asTableOwner(database.client, (client) => client.query("UPDATE audit_records SET action = 'keys.create' WHERE sequence = 7"));
    expect(await spawnCli('verify')).toMatchObject({
      code: 1,
      stdout: 'audit chain BROKEN at sequence 7 (edited): Record 7 does not match its hash: it was changed after it was written.\n',
    });
  }, 60_000);
});
