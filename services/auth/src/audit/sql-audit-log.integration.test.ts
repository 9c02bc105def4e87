import type { SqlClient } from '@switchyard/database';
import { exportAuditJsonl, parseAuditJsonl } from './audit-export';
import type { AuditEntry } from './audit-record';
import { Ed25519CheckpointKey } from './checkpoint-signer';
import { readAuditCheckpoints, readAuditRecords, SqlAuditLog } from './sql-audit-log';
import { verifyAuditChain } from './verify-audit-chain';
import { waitFor } from '../../../../test/support/wait-for';
import { asTableOwner, DATABASE_KINDS, openTestDatabase, type TestDatabase } from './__fixtures__/test-databases';

const signingKey = Ed25519CheckpointKey.generate();

function entry(index: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: { kind: 'admin_token', subject: 'admin', keyId: '', organization: '' },
    action: 'keys.create',
    outcome: 'success',
    workspace: 'team-a',
    target: { type: 'api_key', id: `key_${index}` },
    source: { ip: '127.0.0.1', userAgent: 'switchyard-test' },
    after: { id: `key_${index}`, name: `key ${index}`, key: `sk-sy-secret${index}abcdef0123`, limits: { maxTokens: 10 } },
    ...overrides,
  };
}

async function verifyDatabase(client: SqlClient) {
  return verifyAuditChain(readAuditRecords(client), await readAuditCheckpoints(client), { fromGenesis: true, verifier: signingKey });
}

describe.each(DATABASE_KINDS)('SqlAuditLog on %s', (kind) => {
  let database: TestDatabase;
  let log: SqlAuditLog;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  beforeEach(async () => {
    // A fresh chain per test: the tables are dropped (the triggers refuse TRUNCATE) and migrated again.
    await database.client.exec(
      'DROP TABLE IF EXISTS audit_checkpoints, audit_records, audit_migrations; DROP FUNCTION IF EXISTS audit_refuse_change()',
    );
    log = await SqlAuditLog.open(database.client, { signer: signingKey, checkpointEvery: 5 });
  });

  afterEach(() => log?.close());

  it('chains records by hash, keeps secrets out of before/after, signs every 5th', async () => {
    for (let index = 1; index <= 12; index += 1) await log.append(entry(index));
    const records = [];
    for await (const record of readAuditRecords(database.client)) records.push(record);
    expect(records.map((record) => record.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(records[0].previousHash).toBe('0'.repeat(64));
    expect(records[1].previousHash).toBe(records[0].hash);
    expect(records[2]).toMatchObject({
      actor: { kind: 'admin_token', subject: 'admin', keyId: '', organization: '' },
      action: 'keys.create',
      outcome: 'success',
      workspace: 'team-a',
      target: { type: 'api_key', id: 'key_3' },
      source: { ip: '127.0.0.1', userAgent: 'switchyard-test' },
      after: { id: 'key_3', name: 'key 3', key: '[redacted]', limits: { maxTokens: 10 } },
      before: null,
    });
    expect(JSON.stringify(records)).not.toContain('sk-sy-secret');
    expect((await readAuditCheckpoints(database.client)).map((checkpoint) => checkpoint.sequence)).toEqual([5, 10]);

    const verification = await verifyDatabase(database.client);
    expect(verification).toMatchObject({ ok: true, records: 12, lastSequence: 12, headHash: records[11].hash, checkpointsVerified: 2 });

    // A quiet chain still ends in a checkpoint; signing again adds nothing.
    expect((await log.checkpoint())?.sequence).toBe(12);
    expect(await log.checkpoint()).toBeUndefined();
  });

  it('signs the head on its interval when records were added since the last checkpoint', async () => {
    const timed = await SqlAuditLog.open(database.client, { signer: signingKey, checkpointEvery: 1000, checkpointIntervalMs: 25 });
    try {
      await timed.append(entry(1));
      await timed.append(entry(2));
      // The timer may also have signed record 1 between the two appends; the head is signed in the end either way.
      const signed = await waitFor(
        () => readAuditCheckpoints(database.client),
        (checkpoints) => checkpoints.some((checkpoint) => checkpoint.sequence === 2),
        { timeoutMs: 10_000, what: 'a timed checkpoint of record 2', intervalMs: 25 },
      );
      expect(await verifyDatabase(database.client)).toMatchObject({ ok: true, checkpointsVerified: signed.length });
    } finally {
      timed.close();
    }
  });

  it('stores text Postgres could not hold (U+0000) and odd JSON values, and the chain still verifies', async () => {
    await log.append(
      entry(1, {
        source: { ip: '::1', userAgent: 'agent\u0000with-nul' },
        before: { 'name\u0000': 'a\u0000b', big: 1e21, small: 1e-7, unicode: '\u20ac\ud83d\ude00', nested: [[], {}, null, true] },
        reason: 'quote " backslash \\',
      }),
    );
    const [record] = await collect(readAuditRecords(database.client));
    expect(record.source.userAgent).toBe('agent\ufffdwith-nul');
    expect(record.before).toEqual({ 'name\ufffd': 'a\ufffdb', big: 1e21, small: 1e-7, unicode: '\u20ac\ud83d\ude00', nested: [[], {}, null, true] });
    expect(await verifyDatabase(database.client)).toMatchObject({ ok: true, records: 1 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit tables', async () => {
    await log.append(entry(1));
    await log.checkpoint();
    await expect(database.client.query("UPDATE audit_records SET action = 'keys.revoke'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(database.client.query('DELETE FROM audit_records')).rejects.toThrow(/append-only: DELETE/);
    await expect(database.client.exec('TRUNCATE audit_records CASCADE')).rejects.toThrow(/append-only: TRUNCATE/);
    await expect(database.client.query("UPDATE audit_checkpoints SET signature = 'x'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(database.client.query('DELETE FROM audit_checkpoints')).rejects.toThrow(/append-only: DELETE/);
    expect((await verifyDatabase(database.client)).ok).toBe(true);
  });

  describe('audit verify finds tampering by whoever can turn the triggers off', () => {
    beforeEach(async () => {
      for (let index = 1; index <= 8; index += 1) await log.append(entry(index));
    });

    it('an edited record, by its sequence number', async () => {
      await asTableOwner(database.client, (client) => client.query("UPDATE audit_records SET outcome = 'denied' WHERE sequence = 3"));
      expect((await verifyDatabase(database.client)).problem).toMatchObject({ kind: 'edited', sequence: 3 });
    });

    it('an edited record whose hash was recomputed, by the broken link after it', async () => {
      const [target] = await collect(readAuditRecords(database.client, { fromSequence: 6, toSequence: 6 }));
      const { hashAuditRecord } = await import('./audit-record');
      const forged = { ...target, action: 'keys.revoke' };
      await asTableOwner(database.client, (client) =>
        client.query("UPDATE audit_records SET action = 'keys.revoke', hash = $1 WHERE sequence = 6", [hashAuditRecord(forged)]),
      );
      expect((await verifyDatabase(database.client)).problem).toMatchObject({ kind: 'edited', sequence: 6 });
    });

    it('a deleted record', async () => {
      await asTableOwner(database.client, (client) => client.query('DELETE FROM audit_records WHERE sequence = 4'));
      expect((await verifyDatabase(database.client)).problem).toMatchObject({ kind: 'missing', sequence: 4 });
    });

    it('two records that swapped places', async () => {
      await asTableOwner(database.client, (client) =>
        client.exec(
          'UPDATE audit_records SET sequence = -1 WHERE sequence = 2; UPDATE audit_records SET sequence = 2 WHERE sequence = 3; UPDATE audit_records SET sequence = 3 WHERE sequence = -1',
        ),
      );
      expect((await verifyDatabase(database.client)).problem).toMatchObject({ kind: 'edited', sequence: 2 });
    });

    it('records cut off the end, below a signed checkpoint', async () => {
      await asTableOwner(database.client, (client) => client.query('DELETE FROM audit_records WHERE sequence >= 4'));
      // The checkpoint at 5 outlives the records it vouched for.
      const verification = await verifyDatabase(database.client);
      expect(verification.problem).toMatchObject({ kind: 'truncated', sequence: 4 });
    });

    it('a forged checkpoint signature', async () => {
      await asTableOwner(database.client, (client) =>
        client.query('UPDATE audit_checkpoints SET signature = $1 WHERE sequence = 5', [Buffer.alloc(64).toString('base64')]),
      );
      expect((await verifyDatabase(database.client)).problem).toMatchObject({ kind: 'checkpoint_mismatch', sequence: 5 });
    });
  });

  it('exports JSONL that verifies, and names the first bad sequence when a line is edited, deleted or moved', async () => {
    for (let index = 1; index <= 7; index += 1) await log.append(entry(index));
    const lines: string[] = [];
    expect(await exportAuditJsonl(database.client, {}, (line) => void lines.push(line))).toEqual({ records: 7, checkpoints: 1 });
    const text = lines.join('');
    const { records, checkpoints } = parseAuditJsonl(text);
    expect((await verifyAuditChain(records, checkpoints, { fromGenesis: true, verifier: signingKey })).ok).toBe(true);

    const recordLines = lines.filter((line) => !line.startsWith('{"checkpoint"'));
    const check = async (edited: string[]) => {
      const parsed = parseAuditJsonl(edited.join(''));
      return (await verifyAuditChain(parsed.records, parsed.checkpoints, { fromGenesis: true, verifier: signingKey })).problem;
    };
    const edited = [...recordLines];
    edited[2] = edited[2].replace('"outcome":"success"', '"outcome":"failure"');
    expect(await check(edited)).toMatchObject({ kind: 'edited', sequence: 3 });
    expect(await check(recordLines.filter((_, index) => index !== 3))).toMatchObject({ kind: 'missing', sequence: 4 });
    const moved = [...recordLines];
    [moved[4], moved[5]] = [moved[5], moved[4]];
    expect(await check(moved)).toMatchObject({ kind: 'out_of_order', sequence: 5 });
  });

  it('exports a sequence range that verifies on its own', async () => {
    for (let index = 1; index <= 9; index += 1) await log.append(entry(index));
    const lines: string[] = [];
    expect(await exportAuditJsonl(database.client, { fromSequence: 3, toSequence: 7 }, (line) => void lines.push(line))).toEqual({
      records: 5,
      checkpoints: 1,
    });
    const { records, checkpoints } = parseAuditJsonl(lines.join(''));
    expect(records.map((record) => record.sequence)).toEqual([3, 4, 5, 6, 7]);
    expect(await verifyAuditChain(records, checkpoints, { fromGenesis: false, verifier: signingKey })).toMatchObject({
      ok: true,
      checkpointsVerified: 1,
    });
  });

  it('keeps one chain when two writers on their own connections append at once', async () => {
    const other = await SqlAuditLog.open(database.openAnotherClient(), { signer: signingKey, checkpointEvery: 5 });
    try {
      const perWriter = 25;
      await Promise.all([
        Promise.all(
          Array.from({ length: perWriter }, (_, index) =>
            log.append(entry(index, { actor: { kind: 'jwt', subject: 'writer-one', keyId: '', organization: 'acme' } })),
          ),
        ),
        Promise.all(
          Array.from({ length: perWriter }, (_, index) =>
            other.append(entry(index, { actor: { kind: 'jwt', subject: 'writer-two', keyId: '', organization: 'acme' } })),
          ),
        ),
      ]);
      const records = await collect(readAuditRecords(database.client));
      expect(records.map((record) => record.sequence)).toEqual(Array.from({ length: 2 * perWriter }, (_, index) => index + 1));
      expect(new Set(records.map((record) => record.actor.subject))).toEqual(new Set(['writer-one', 'writer-two']));
      expect(await verifyDatabase(database.client)).toMatchObject({ ok: true, records: 2 * perWriter, checkpointsVerified: 10 });
    } finally {
      other.close();
    }
  });
});

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}
