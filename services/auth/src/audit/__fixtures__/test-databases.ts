import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPgliteClient, createPostgresClient, quoteIdentifier, type SqlClient } from '@switchyard/database';
import { POSTGRES_URL, requirePostgres } from '../../../../../test/support/infrastructure';

/** Every audit and secrets suite runs against both. */
export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/**
 * An empty database of the suite's own: PGlite in memory, or a schema of its
 * own on the shared Postgres (dropped by `dispose`).
 */
export interface TestDatabase {
  kind: DatabaseKind;
  client: SqlClient;
  /** The schema on Postgres; undefined for PGlite. */
  schema?: string;
  /** A URL whose connections use the schema (for a spawned command); undefined for PGlite. */
  url?: string;
  /** Another client on the same tables, over its own connections (a second process, as it were). PGlite has one connection: the same client. */
  openAnotherClient(): SqlClient;
  dispose(): Promise<void>;
}

export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const client = await createPgliteClient();
    return { kind, client, openAnotherClient: () => client, dispose: () => client.close() };
  }
  await requirePostgres();
  const schema = `auth_audit_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((admin) => admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`));
  const clients: SqlClient[] = [];
  const open = () => {
    const client = createPostgresClient({ url: POSTGRES_URL, schema });
    clients.push(client);
    return client;
  };
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    kind,
    client: open(),
    schema,
    url: url.toString(),
    openAnotherClient: open,
    dispose: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await withAdminClient((admin) => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    },
  };
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

/** Runs `work` with the append-only triggers off: what someone who owns the tables could do. */
export async function asTableOwner(client: SqlClient, work: (client: SqlClient) => Promise<unknown>): Promise<void> {
  await client.exec('ALTER TABLE audit_records DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
  try {
    await work(client);
  } finally {
    await client.exec('ALTER TABLE audit_records ENABLE TRIGGER USER; ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
  }
}
