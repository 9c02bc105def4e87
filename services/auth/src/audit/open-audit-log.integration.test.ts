import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@switchyard/shared';
import { openSecretStore } from '../secrets/open-secret-store';
import { openAuditLog } from './open-audit-log';
import { readAuditCheckpoints } from './sql-audit-log';
import { openTestDatabase, type TestDatabase } from './__fixtures__/test-databases';

describe('opening the audit log and the secret store from the config', () => {
  let database: TestDatabase;
  let directory: string;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-open-audit-'));
  });

  afterAll(async () => {
    await database?.dispose();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('generates the signing key in embedded mode and requires it in distributed mode', async () => {
    const signingKeyFile = path.join(directory, 'audit-signing-key.pem');
    const { config } = loadConfig(undefined, {});
    const settings = { ...config.audit, signingKeyFile, checkpointEvery: 2 };
    await expect(openAuditLog(database.client, settings, { mode: 'distributed', env: {} })).rejects.toThrow(/Cannot read the audit signing key/);

    const log = await openAuditLog(database.client, settings, { mode: 'embedded', env: {} });
    try {
      expect(statSync(signingKeyFile).mode & 0o777).toBe(0o600);
      const actor = { kind: 'admin_token', subject: 'admin', keyId: '', organization: '' } as const;
      await log.append({ actor, action: 'keys.create', outcome: 'success' });
      await log.append({ actor, action: 'keys.create', outcome: 'success' });
      expect((await readAuditCheckpoints(database.client)).map((checkpoint) => checkpoint.sequence)).toEqual([2]);
    } finally {
      log.close();
    }
    // A second process (or a restart) signs with the same, kept key.
    const again = await openAuditLog(database.client, settings, { mode: 'distributed', env: {} });
    again.close();
  });

  it('opens the secret store only with a master key', async () => {
    const log = await openAuditLog(
      database.client,
      { checkpointEvery: 100, checkpointIntervalMs: 0, signingKeyFile: path.join(directory, 'audit-signing-key.pem') },
      { mode: 'embedded', env: {} },
    );
    try {
      expect(await openSecretStore(database.client, {}, log, {})).toBeUndefined();
      const store = await openSecretStore(database.client, {}, log, { SWITCHYARD_MASTER_KEY: randomBytes(32).toString('base64') });
      const actor = { kind: 'admin_token', subject: 'admin', keyId: '', organization: '' } as const;
      const metadata = await store!.create({ workspace: 'default', provider: 'openai', name: 'main', value: 'sk-configured-0123456789' }, { actor });
      expect((await store!.getForUse(metadata.id, { actor })).value).toBe('sk-configured-0123456789');
    } finally {
      log.close();
    }
  });
});
