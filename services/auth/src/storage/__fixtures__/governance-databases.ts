import { randomBytes } from 'node:crypto';
import { createPgliteClient, createPostgresClient, createSchema, quoteIdentifier, type SqlClient } from '@switchyard/database';
import { POSTGRES_URL, requirePostgres } from '../../../../../test/support/infrastructure';
import { GovernanceStore, openGovernanceStore } from '../governance-store';

/** Every governance suite runs against both. */
export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/**
 * The governance tables in a database of the suite's own: PGlite in memory,
 * or a schema of its own on the shared Postgres, dropped by `dispose`.
 */
export interface TestGovernanceDatabase {
  client: SqlClient;
  store: GovernanceStore;
  /** The same tables through another client (a second process, as it were); PGlite has one connection: the same store. */
  openAnotherStore(): Promise<GovernanceStore>;
  dispose(): Promise<void>;
}

export async function openTestGovernanceDatabase(kind: DatabaseKind): Promise<TestGovernanceDatabase> {
  if (kind === 'pglite') {
    const client = await createPgliteClient();
    const store = await openGovernanceStore(client).catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
    return { client, store, openAnotherStore: async () => store, dispose: () => client.close() };
  }
  await requirePostgres();
  const schema = `auth_test_${randomBytes(6).toString('hex')}`;
  const clients: SqlClient[] = [];
  const open = () => {
    const client = createPostgresClient({ url: POSTGRES_URL, schema, poolSize: 2 });
    clients.push(client);
    return client;
  };
  const client = open();
  const dispose = async () => {
    await Promise.all(clients.map((each) => each.close().catch(() => undefined)));
    const admin = createPostgresClient({ url: POSTGRES_URL, poolSize: 1 });
    try {
      await admin.exec(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    } finally {
      await admin.close();
    }
  };
  try {
    await createSchema(client, schema);
    const store = await openGovernanceStore(client);
    return { client, store, openAnotherStore: async () => openGovernanceStore(open()), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
