import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { POSTGRES_URL, requirePostgres } from '../../../../../test/support/infrastructure';
import { openEventDatabase, type EventDatabase } from '../event-database';
import { createPostgresClient, quoteIdentifier, type SqlClient } from '@switchyard/database';

/** Every storage and query suite runs against both. */
export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/**
 * A database of the suite's own, migrated and empty: PGlite in memory, or a
 * schema of its own on the shared Postgres (other suites use the same
 * server), dropped by `dispose`.
 */
export interface TestDatabase extends EventDatabase {
  /** Another client on the same tables (a second process, as it were). PGlite has one connection: the same client. */
  openAnotherClient(): SqlClient;
  dispose(): Promise<void>;
}

export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openEventDatabase({});
    return { ...database, openAnotherClient: () => database.client, dispose: database.close };
  }
  await requirePostgres();
  const schema = uniqueSchemaName();
  const database = await openEventDatabase({ postgresUrl: POSTGRES_URL, schema });
  const others: SqlClient[] = [];
  return {
    ...database,
    openAnotherClient: () => {
      const client = createPostgresClient({ url: POSTGRES_URL, schema });
      others.push(client);
      return client;
    },
    dispose: async () => {
      await Promise.all(others.map((client) => client.close()));
      await database.close();
      await dropSchema(schema);
    },
  };
}

/** An empty schema on the shared Postgres, and a client whose tables go there. */
export async function openEmptyPostgresSchema(): Promise<{ schema: string; openClient(): SqlClient; dispose(): Promise<void> }> {
  await requirePostgres();
  const schema = uniqueSchemaName();
  await withAdminClient((admin) => admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`));
  const clients: SqlClient[] = [];
  return {
    schema,
    openClient: () => {
      const client = createPostgresClient({ url: POSTGRES_URL, schema });
      clients.push(client);
      return client;
    },
    dispose: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await dropSchema(schema);
    },
  };
}

function uniqueSchemaName(): string {
  return `observability_test_${randomBytes(6).toString('hex')}`;
}

async function dropSchema(schema: string): Promise<void> {
  await withAdminClient((admin) => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
}

async function withAdminClient(work: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
