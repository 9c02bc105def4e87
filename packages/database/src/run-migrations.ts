import { createHash } from 'node:crypto';
import type { Migration } from './load-migrations';
import { quoteIdentifier, type SqlClient, type SqlExecutor } from './sql-client';

/**
 * Key of the transaction-level advisory lock that every schema change takes
 * first (any fixed number will do). Several consumers starting at once each
 * run the migrations; the lock lets one apply them while the others wait and
 * then find nothing left to do.
 */
const SCHEMA_LOCK_KEY = '7320114025';

const createMigrationsTable = (table: string) => `
  CREATE TABLE IF NOT EXISTS ${table} (
    version integer PRIMARY KEY,
    name text NOT NULL,
    -- sha256 of the migration's SQL, to notice a released migration that was edited.
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * Applies the migrations the database has not had yet, each in its own
 * transaction, in version order, and records them in its record table.
 * Safe to call any number of times, from any number of processes at once.
 * Versions the database has that this code does not know (a newer release
 * ran first) are left alone.
 *
 * Throws when an applied migration's SQL differs from the one given: a
 * released migration must never be edited; the change goes in a new one.
 *
 * Each set of migrations (the event tables, the governance tables…) keeps its
 * own record table, so several sets share one database without their
 * version numbers meeting.
 *
 * @returns the versions this call applied.
 */
export async function runMigrations(client: SqlClient, migrations: readonly Migration[], options: MigrationOptions = {}): Promise<number[]> {
  const table = options.table ?? 'schema_migrations';
  if (!/^[a-z_][a-z0-9_]*$/.test(table))
    throw new Error(`The migrations table name ${JSON.stringify(table)} may hold only a-z, digits and underscores.`);
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const ran = await client.transaction(async (transaction) => {
      await lockSchema(transaction);
      await transaction.exec(createMigrationsTable(table));
      const checksum = createHash('sha256').update(migration.sql).digest('hex');
      const [recorded] = await transaction.query<{ checksum: string }>(`SELECT checksum FROM ${table} WHERE version = $1`, [migration.version]);
      if (recorded !== undefined) {
        if (recorded.checksum !== checksum) {
          throw new Error(
            `Migration ${migration.version} (${migration.name}) has changed since it was applied; ` + 'put the change in a new migration instead.',
          );
        }
        return false;
      }
      await transaction.exec(migration.sql);
      await transaction.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [migration.version, migration.name, checksum]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

export interface MigrationOptions {
  /** Where the applied versions are recorded (lower-case letters, digits, underscores); default `schema_migrations`. */
  table?: string;
}

/** Creates `schema` unless it exists, safely when several processes start at once. */
export async function createSchema(client: SqlClient, schema: string): Promise<void> {
  await client.transaction(async (transaction) => {
    await lockSchema(transaction);
    await transaction.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  });
}

async function lockSchema(transaction: SqlExecutor): Promise<void> {
  await transaction.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
}
