import path from 'node:path';
import { loadMigrations, runMigrations, type SqlClient, type SqlExecutor } from '@switchyard/database';
import { checkpointPayload, type AuditCheckpoint } from './audit-checkpoint';
import type { AuditLog } from './audit-log';
import { GENESIS_HASH, hashAuditRecord, normaliseEntry, type AuditEntry, type AuditOutcome, type AuditRecord } from './audit-record';
import type { CheckpointSigner } from './checkpoint-signer';

/**
 * Key of the transaction-level advisory lock every append takes: appenders
 * in any number of processes take turns reading the head and writing the
 * next record, so the chain never forks (the primary key on `sequence`
 * would refuse a fork anyway; the lock makes them wait instead of fail).
 */
const AUDIT_LOCK_KEY = '7320114026';

export const AUDIT_MIGRATIONS_TABLE = 'audit_migrations';

export function auditMigrations() {
  return loadMigrations(path.join(__dirname, 'migrations'), 'npm run build -w @switchyard/auth copies src/audit/migrations to dist/audit/migrations');
}

export interface SqlAuditLogOptions {
  /** Signs checkpoints; without one none are written (verification then rests on the chain alone). */
  signer?: CheckpointSigner;
  /** A checkpoint is signed in the same transaction as every Nth record; default 100. */
  checkpointEvery?: number;
  /** Also sign the head this often when records were added since the last checkpoint; 0 (default) = never. */
  checkpointIntervalMs?: number;
}

/**
 * The audit trail in Postgres or PGlite: `audit_records`, chained by hash,
 * and `audit_checkpoints`, both append-only (triggers refuse UPDATE, DELETE
 * and TRUNCATE). The tables are created by `open` (migrations recorded in
 * `audit_migrations`).
 */
export class SqlAuditLog implements AuditLog {
  private readonly checkpointEvery: number;
  private timer?: NodeJS.Timeout;

  private constructor(
    readonly client: SqlClient,
    private readonly options: SqlAuditLogOptions,
  ) {
    this.checkpointEvery = options.checkpointEvery ?? 100;
    if (!Number.isInteger(this.checkpointEvery) || this.checkpointEvery < 1) throw new Error('checkpointEvery must be a whole number of at least 1.');
    if (options.checkpointIntervalMs && options.signer) {
      this.timer = setInterval(() => {
        this.checkpoint().catch(() => undefined);
      }, options.checkpointIntervalMs);
      this.timer.unref();
    }
  }

  /** Creates the tables if needed; the client stays the caller's to close. */
  static async open(client: SqlClient, options: SqlAuditLogOptions = {}): Promise<SqlAuditLog> {
    await runMigrations(client, auditMigrations(), { table: AUDIT_MIGRATIONS_TABLE });
    return new SqlAuditLog(client, options);
  }

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const fields = normaliseEntry(entry);
    return this.client.transaction(async (transaction) => {
      await transaction.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
      const head = await readHead(transaction);
      const unhashed = {
        sequence: head ? head.sequence + 1 : 1,
        occurredAt: new Date().toISOString(),
        ...fields,
        previousHash: head ? head.hash : GENESIS_HASH,
      };
      const record: AuditRecord = { ...unhashed, hash: hashAuditRecord(unhashed) };
      await insertRecord(transaction, record);
      if (this.options.signer && record.sequence % this.checkpointEvery === 0) await this.writeCheckpoint(transaction, record);
      return record;
    });
  }

  /**
   * Signs the current head unless it is signed already: called on a timer
   * and at shutdown, so a quiet chain still ends in a checkpoint.
   * @returns the new checkpoint, or undefined when there was nothing to sign.
   */
  async checkpoint(): Promise<AuditCheckpoint | undefined> {
    if (!this.options.signer) throw new Error('This audit log has no signing key, so it cannot sign checkpoints.');
    return this.client.transaction(async (transaction) => {
      await transaction.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
      const head = await readHead(transaction);
      if (!head) return undefined;
      const [signed] = await transaction.query<{ sequence: string | number }>('SELECT sequence FROM audit_checkpoints WHERE sequence = $1', [
        head.sequence,
      ]);
      if (signed) return undefined;
      return this.writeCheckpoint(transaction, head);
    });
  }

  /** Stops the checkpoint timer. The database client is the caller's. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async writeCheckpoint(transaction: SqlExecutor, head: { sequence: number; hash: string }): Promise<AuditCheckpoint> {
    const signer = this.options.signer!;
    const unsigned = { sequence: head.sequence, headHash: head.hash, signedAt: new Date().toISOString(), keyId: signer.keyId };
    const checkpoint: AuditCheckpoint = { ...unsigned, signature: signer.sign(checkpointPayload(unsigned)) };
    await transaction.query('INSERT INTO audit_checkpoints (sequence, head_hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)', [
      checkpoint.sequence,
      checkpoint.headHash,
      checkpoint.signedAt,
      checkpoint.keyId,
      checkpoint.signature,
    ]);
    return checkpoint;
  }
}

async function readHead(transaction: SqlExecutor): Promise<{ sequence: number; hash: string } | undefined> {
  const [row] = await transaction.query<{ sequence: string | number; hash: string }>(
    'SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1',
  );
  return row ? { sequence: Number(row.sequence), hash: row.hash } : undefined;
}

async function insertRecord(transaction: SqlExecutor, record: AuditRecord): Promise<void> {
  await transaction.query(
    `INSERT INTO audit_records (sequence, occurred_at, actor_kind, actor_subject, actor_key_id, actor_organization, action, outcome,
       workspace, target_type, target_id, source_ip, source_user_agent, before, after, reason, request_id, previous_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
      record.sequence,
      record.occurredAt,
      record.actor.kind,
      record.actor.subject,
      record.actor.keyId,
      record.actor.organization,
      record.action,
      record.outcome,
      record.workspace,
      record.target?.type ?? null,
      record.target?.id ?? null,
      record.source.ip,
      record.source.userAgent,
      // JSON text, so a JSON string or number is stored as that JSON value, not reinterpreted by the driver.
      record.before === null ? null : JSON.stringify(record.before),
      record.after === null ? null : JSON.stringify(record.after),
      record.reason,
      record.requestId,
      record.previousHash,
      record.hash,
    ],
  );
}

interface RecordRow {
  sequence: string | number;
  occurred_at: Date | string;
  actor_kind: string;
  actor_subject: string;
  actor_key_id: string;
  actor_organization: string;
  action: string;
  outcome: string;
  workspace: string | null;
  target_type: string | null;
  target_id: string | null;
  source_ip: string | null;
  source_user_agent: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
  previous_hash: string;
  hash: string;
}

function recordOf(row: RecordRow): AuditRecord {
  return {
    sequence: Number(row.sequence),
    occurredAt: new Date(row.occurred_at).toISOString(),
    actor: {
      kind: row.actor_kind as AuditRecord['actor']['kind'],
      subject: row.actor_subject,
      keyId: row.actor_key_id,
      organization: row.actor_organization,
    },
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    workspace: row.workspace,
    target: row.target_type === null && row.target_id === null ? null : { type: row.target_type ?? '', id: row.target_id ?? '' },
    source: { ip: row.source_ip, userAgent: row.source_user_agent },
    before: row.before ?? null,
    after: row.after ?? null,
    reason: row.reason,
    requestId: row.request_id,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

/** Which records to read: a sequence range, a time range, or both; bounds included. */
export interface AuditRange {
  fromSequence?: number;
  toSequence?: number;
  /** ISO 8601 or a Date. */
  fromTime?: string | Date;
  toTime?: string | Date;
}

const PAGE_SIZE = 1_000;

/** The records in sequence order, read a page at a time. */
export async function* readAuditRecords(client: SqlExecutor, range: AuditRange = {}): AsyncGenerator<AuditRecord> {
  let after = (range.fromSequence ?? 1) - 1;
  const toSequence = range.toSequence ?? Number.MAX_SAFE_INTEGER;
  const fromTime = range.fromTime === undefined ? null : new Date(range.fromTime).toISOString();
  const toTime = range.toTime === undefined ? null : new Date(range.toTime).toISOString();
  for (;;) {
    const rows = await client.query<RecordRow>(
      `SELECT * FROM audit_records
        WHERE sequence > $1 AND sequence <= $2
          AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)
          AND ($4::timestamptz IS NULL OR occurred_at <= $4::timestamptz)
        ORDER BY sequence LIMIT ${PAGE_SIZE}`,
      [after, toSequence, fromTime, toTime],
    );
    for (const row of rows) yield recordOf(row);
    if (rows.length < PAGE_SIZE) return;
    after = Number(rows[rows.length - 1].sequence);
  }
}

/** The checkpoints whose sequence lies between the bounds (included), oldest first. */
export async function readAuditCheckpoints(client: SqlExecutor, fromSequence = 1, toSequence = Number.MAX_SAFE_INTEGER): Promise<AuditCheckpoint[]> {
  const rows = await client.query<{ sequence: string | number; head_hash: string; signed_at: Date | string; key_id: string; signature: string }>(
    'SELECT * FROM audit_checkpoints WHERE sequence >= $1 AND sequence <= $2 ORDER BY sequence',
    [fromSequence, toSequence],
  );
  return rows.map((row) => ({
    sequence: Number(row.sequence),
    headHash: row.head_hash,
    signedAt: new Date(row.signed_at).toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  }));
}
