import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventsV1 } from '@switchyard/proto';
import { getRequest } from '../query/request-queries';
import { openEventDatabase } from './event-database';
import { insertParameters, insertStatement, requestColumns } from './event-rows';
import { migrations } from './migrations';
import { runMigrations } from './run-migrations';
import { createPgliteClient, type SqlClient, type SqlExecutor } from '@switchyard/database';
import { DATABASE_KINDS, openEmptyPostgresSchema, type DatabaseKind } from './__fixtures__/event-databases';
import { requestCompleted, requestEvent } from './__fixtures__/events';

jest.setTimeout(60_000);

async function tableNames(client: SqlExecutor): Promise<string[]> {
  const rows = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name COLLATE "C"`,
  );
  return rows.map((row) => row.table_name);
}

async function recordedVersions(client: SqlExecutor): Promise<Array<{ version: number; name: string }>> {
  return client.query('SELECT version, name FROM schema_migrations ORDER BY version');
}

/**
 * Writes request rows as the code of an older schema did: only the columns the table has so far (later
 * migrations add columns that today's event store writes).
 */
async function insertRequestsAsOlderSchema(client: SqlExecutor, events: eventsV1.RequestCompleted[]): Promise<void> {
  const present = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'requests'`,
  );
  const names = new Set(present.map((row) => row.column_name));
  const columns = requestColumns.filter((column) => names.has(column.name));
  await client.query(insertStatement('requests', columns), insertParameters(columns, events));
}

const EVENT_TABLES = [
  'alert_history',
  'alert_lease',
  'alert_rules',
  'alert_states',
  'cold_storage_objects',
  'cold_storage_request_ids',
  'conversation_memories',
  'conversation_segments',
  'conversations',
  'dead_letters',
  'requests',
  'schema_migrations',
  'scores',
  'spans',
];

/** Empty databases of one kind: two clients on the same one stand for two processes starting at once. */
interface EmptyDatabase {
  clients: [SqlClient, SqlClient];
  dispose(): Promise<void>;
}

async function emptyDatabase(kind: DatabaseKind): Promise<EmptyDatabase> {
  if (kind === 'pglite') {
    // One connection: the two "processes" share it, and its statements are serialized.
    const client = await createPgliteClient();
    return { clients: [client, client], dispose: () => client.close() };
  }
  const schema = await openEmptyPostgresSchema();
  return { clients: [schema.openClient(), schema.openClient()], dispose: schema.dispose };
}

describe.each(DATABASE_KINDS)('runMigrations on %s', (kind) => {
  let database: EmptyDatabase;

  beforeAll(async () => {
    database = await emptyDatabase(kind);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('applies every migration once when two runners start at the same time, and nothing on later runs', async () => {
    const [first, second] = database.clients;
    const results = await Promise.all([runMigrations(first), runMigrations(second)]);

    // Between them the two runners applied each migration exactly once.
    expect(results.flat().sort((a, b) => a - b)).toEqual(migrations.map((migration) => migration.version));
    expect(await tableNames(first)).toEqual(EVENT_TABLES);
    expect(await recordedVersions(first)).toEqual(migrations.map(({ version, name }) => ({ version, name })));

    expect(await runMigrations(first)).toEqual([]);
    expect(await runMigrations(second)).toEqual([]);
    expect(await recordedVersions(second)).toEqual(migrations.map(({ version, name }) => ({ version, name })));
  });

  it('upgrades a database that has the first migrations to the latest', async () => {
    const older = await emptyDatabase(kind);
    try {
      const [client] = older.clients;
      expect(await runMigrations(client, migrations.slice(0, 1))).toEqual([1]);
      expect(await runMigrations(client)).toEqual(migrations.slice(1).map((migration) => migration.version));
      expect(await recordedVersions(client)).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    } finally {
      await older.dispose();
    }
  });

  it("renames the operations stored before migration 3 to the records' names, which read back as the same operations", async () => {
    const older = await emptyDatabase(kind);
    try {
      const [client] = older.clients;
      expect(await runMigrations(client, migrations.slice(0, 2))).toEqual([1, 2]);
      const operations = { chat: eventsV1.Operation.CHAT_COMPLETION, embed: eventsV1.Operation.EMBEDDING, none: eventsV1.Operation.UNSPECIFIED };
      await insertRequestsAsOlderSchema(
        client,
        Object.entries(operations).map(([id, operation]) => requestCompleted({ eventId: id, requestId: id, operation })),
      );
      // The rows as the code before migration 3 wrote them: the enum's lower-case names.
      await client.query(
        `UPDATE requests SET operation = CASE event_id WHEN 'chat' THEN 'chat_completion' WHEN 'embed' THEN 'embedding' ELSE 'unspecified' END`,
      );

      expect(await runMigrations(client)).toEqual(migrations.slice(2).map((migration) => migration.version));
      const stored = await client.query<{ event_id: string; operation: string }>('SELECT event_id, operation FROM requests ORDER BY event_id');
      expect(stored).toEqual([
        { event_id: 'chat', operation: 'chat.completion' },
        { event_id: 'embed', operation: 'embeddings' },
        { event_id: 'none', operation: 'unspecified' },
      ]);
      for (const [id, operation] of Object.entries(operations)) expect((await getRequest(client, id))?.operation).toBe(operation);
    } finally {
      await older.dispose();
    }
  });

  it('applies a new migration once, and rolls back one that fails, leaving no trace of it', async () => {
    const [client] = database.clients;
    const added = { version: 1001, name: 'add_two_tables', sql: 'CREATE TABLE extra_a (id int);\nCREATE TABLE extra_b (id int);' };
    const failing = { version: 1002, name: 'fails_halfway', sql: 'CREATE TABLE extra_c (id int);\nSELECT 1 / 0;' };

    expect(await runMigrations(client, [...migrations, added])).toEqual([1001]);
    expect(await runMigrations(client, [...migrations, added])).toEqual([]);
    await expect(runMigrations(client, [...migrations, added, failing])).rejects.toThrow(/division by zero/);

    expect(await tableNames(client)).toEqual([...EVENT_TABLES, 'extra_a', 'extra_b'].sort());
    expect((await recordedVersions(client)).map((row) => row.version)).toEqual([...migrations.map((m) => m.version), 1001]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const [client] = database.clients;
    const edited = migrations.map((migration, index) => (index === 0 ? { ...migration, sql: `${migration.sql}\n-- edited` } : migration));
    await expect(runMigrations(client, edited)).rejects.toThrow(/Migration 1 \(create_event_tables\) has changed since it was applied/);
  });
});

describe('openEventDatabase with a PGlite data directory', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'switchyard-observability-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates the directory, and on reopening keeps the rows and applies nothing again', async () => {
    const dataDir = path.join(directory, 'nested', 'data');
    const first = await openEventDatabase({ pgliteDataDir: dataDir });
    await first.store.writeBatch([requestEvent(requestCompleted({ eventId: 'kept', requestId: 'kept-request' }))]);
    await first.close();

    const second = await openEventDatabase({ pgliteDataDir: dataDir });
    try {
      expect(await runMigrations(second.client)).toEqual([]);
      expect((await second.queries.getRequest('kept-request'))?.eventId).toBe('kept');
      expect(await recordedVersions(second.client)).toHaveLength(migrations.length);
    } finally {
      await second.close();
    }
  });
});
