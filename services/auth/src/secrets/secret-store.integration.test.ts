import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAuditRecords, SqlAuditLog } from '../audit/sql-audit-log';
import { verifyAuditChain } from '../audit/verify-audit-chain';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../audit/__fixtures__/test-databases';
import { SecretDecryptionError } from './key-management-service';
import { LocalKeyManagementService, localKeyManagementFromEnvironment } from './local-key-management-service';
import { SecretNameTakenError, SecretNotFoundError, SqlSecretStore, type SecretAccess } from './secret-store';

const VALUE = 'sk-proj-stored-provider-key-abcdef0123456789';
const access: SecretAccess = {
  actor: { kind: 'jwt', subject: 'alice', keyId: '', organization: 'acme' },
  source: { ip: '10.0.0.7', userAgent: 'switchyard-cli' },
};
const adapters: SecretAccess = { actor: { kind: 'admin_token', subject: 'provider-adapters', keyId: '', organization: '' } };

describe.each(DATABASE_KINDS)('SqlSecretStore on %s', (kind) => {
  let database: TestDatabase;
  let auditLog: SqlAuditLog;
  const masterKey = randomBytes(32);
  let kms: LocalKeyManagementService;
  let store: SqlSecretStore;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    auditLog = await SqlAuditLog.open(database.client);
    kms = new LocalKeyManagementService(masterKey);
    store = await SqlSecretStore.open(database.client, kms, auditLog);
  });

  afterAll(async () => {
    auditLog?.close();
    await database?.dispose();
  });

  beforeEach(async () => {
    await database.client.exec('DELETE FROM provider_credentials');
  });

  async function auditTrail() {
    const records = [];
    for await (const record of readAuditRecords(database.client)) records.push(record);
    return records;
  }

  it('stores a value sealed, shows only metadata, and hands the value only to getForUse, auditing each access', async () => {
    const before = (await auditTrail()).length;
    const metadata = await store.create({ workspace: 'team-a', provider: 'openai', name: 'production', value: VALUE }, access);
    expect(metadata).toEqual({
      id: expect.stringMatching(/^cred_[0-9a-f]{24}$/),
      workspace: 'team-a',
      provider: 'openai',
      name: 'production',
      createdAt: expect.any(String),
      createdBy: 'alice',
      masterKeyId: kms.keyId,
    });
    const [row] = await database.client.query<Record<string, string>>('SELECT * FROM provider_credentials');
    expect(JSON.stringify(row)).not.toContain('stored-provider-key');

    expect(await store.list(['team-a'], access)).toEqual([metadata]);
    expect(await store.list(['team-b'], access)).toEqual([]);
    expect(await store.getMetadata(metadata.id)).toEqual(metadata);
    expect(await store.getForUse(metadata.id, adapters)).toEqual({ metadata, value: VALUE });

    const trail = (await auditTrail()).slice(before);
    expect(trail.map((record) => [record.action, record.outcome, record.actor.subject])).toEqual([
      ['provider_credentials.create', 'success', 'alice'],
      ['provider_credentials.list', 'success', 'alice'],
      ['provider_credentials.list', 'success', 'alice'],
      ['provider_credentials.use', 'success', 'provider-adapters'],
    ]);
    expect(trail[0]).toMatchObject({
      target: { type: 'provider_credential', id: metadata.id },
      source: { ip: '10.0.0.7', userAgent: 'switchyard-cli' },
    });
    expect(JSON.stringify(trail)).not.toContain('stored-provider-key');
  });

  it('refuses a second credential of the same name in a workspace, and records the attempt', async () => {
    await store.create({ workspace: 'team-a', provider: 'openai', name: 'dup', value: VALUE }, access);
    await expect(store.create({ workspace: 'team-a', provider: 'anthropic', name: 'dup', value: VALUE }, access)).rejects.toThrow(
      SecretNameTakenError,
    );
    expect((await auditTrail()).at(-1)).toMatchObject({ action: 'provider_credentials.create', outcome: 'failure' });
    await store.create({ workspace: 'team-b', provider: 'openai', name: 'dup', value: VALUE }, access);
  });

  it('deletes, after which the value is gone for good', async () => {
    const { id } = await store.create({ workspace: 'team-a', provider: 'openai', name: 'old', value: VALUE }, access);
    expect(await store.delete(id, access)).toMatchObject({ id, name: 'old' });
    expect(await store.delete(id, access)).toBeUndefined();
    await expect(store.getForUse(id, adapters)).rejects.toThrow(SecretNotFoundError);
    expect((await auditTrail()).slice(-2).map((record) => [record.action, record.outcome])).toEqual([
      ['provider_credentials.delete', 'success'],
      ['provider_credentials.use', 'failure'],
    ]);
  });

  it('fails clearly, and audits the failure, when a stored ciphertext, tag or wrapped key was altered', async () => {
    const { id } = await store.create({ workspace: 'team-a', provider: 'openai', name: 'tampered', value: VALUE }, access);
    const alter = async (column: string) => {
      const [row] = await database.client.query<Record<string, string>>(`SELECT ${column} AS value FROM provider_credentials WHERE id = $1`, [id]);
      const bytes = Buffer.from(row.value, 'base64');
      bytes[bytes.length - 1] ^= 0x01;
      await database.client.query(`UPDATE provider_credentials SET ${column} = $1 WHERE id = $2`, [bytes.toString('base64'), id]);
      return async () => database.client.query(`UPDATE provider_credentials SET ${column} = $1 WHERE id = $2`, [row.value, id]);
    };
    for (const [column, problem] of [
      ['ciphertext', 'ciphertext_rejected'],
      ['tag', 'ciphertext_rejected'],
      ['wrapped_key', 'wrapped_key_rejected'],
    ] as const) {
      const restore = await alter(column);
      const error = await store.getForUse(id, adapters).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(SecretDecryptionError);
      expect((error as SecretDecryptionError).problem).toBe(problem);
      expect((error as Error).message).not.toContain('stored-provider-key');
      expect((await auditTrail()).at(-1)).toMatchObject({ action: 'provider_credentials.use', outcome: 'failure', reason: (error as Error).message });
      await restore();
    }
    expect((await store.getForUse(id, adapters)).value).toBe(VALUE);
  });

  it('rotates the master key by re-wrapping data keys, leaving every ciphertext as it was', async () => {
    const created = await Promise.all(
      ['one', 'two', 'three'].map((name) => store.create({ workspace: 'team-a', provider: 'openai', name, value: `${VALUE}-${name}` }, access)),
    );
    const ciphertexts = async () =>
      await database.client.query<{ id: string; ciphertext: string; tag: string; iv: string; key_id: string }>(
        'SELECT id, ciphertext, tag, iv, key_id FROM provider_credentials ORDER BY id',
      );
    const before = await ciphertexts();

    // The operator sets a new SWITCHYARD_MASTER_KEY and keeps the old one in SWITCHYARD_PREVIOUS_MASTER_KEYS.
    const newKey = randomBytes(32);
    const rotating = localKeyManagementFromEnvironment({
      SWITCHYARD_MASTER_KEY: newKey.toString('base64'),
      SWITCHYARD_PREVIOUS_MASTER_KEYS: masterKey.toString('base64'),
    })!;
    const rotated = await SqlSecretStore.open(database.client, rotating, auditLog);
    expect(await rotated.rewrapDataKeys(access)).toEqual({ rewrapped: 3, masterKeyId: rotating.keyId });
    expect(await rotated.rewrapDataKeys(access)).toEqual({ rewrapped: 0, masterKeyId: rotating.keyId });

    const after = await ciphertexts();
    expect(after.map(({ id, ciphertext, tag, iv }) => ({ id, ciphertext, tag, iv }))).toEqual(
      before.map(({ id, ciphertext, tag, iv }) => ({ id, ciphertext, tag, iv })),
    );
    expect(new Set(after.map((row) => row.key_id))).toEqual(new Set([rotating.keyId]));

    // The old key can go: the new one alone (here from a file) opens every secret.
    const directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-master-key-'));
    try {
      writeFileSync(path.join(directory, 'master.key'), `${newKey.toString('base64')}\n`, { mode: 0o600 });
      const newOnly = await SqlSecretStore.open(
        database.client,
        localKeyManagementFromEnvironment({}, path.join(directory, 'master.key'))!,
        auditLog,
      );
      for (const metadata of created) expect((await newOnly.getForUse(metadata.id, adapters)).value).toBe(`${VALUE}-${metadata.name}`);
      const oldOnly = await SqlSecretStore.open(database.client, new LocalKeyManagementService(masterKey), auditLog);
      await expect(oldOnly.getForUse(created[0].id, adapters)).rejects.toThrow(/which this server does not hold/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    expect(
      (await auditTrail()).some(
        (record) => record.action === 'provider_credentials.rewrap' && (record.after as { rewrapped: number }).rewrapped === 3,
      ),
    ).toBe(true);
  });

  it('leaves an audit chain that verifies', async () => {
    await store.create({ workspace: 'team-a', provider: 'openai', name: 'chain', value: VALUE }, access);
    expect(await verifyAuditChain(readAuditRecords(database.client), [], { fromGenesis: true })).toMatchObject({ ok: true });
  });
});
