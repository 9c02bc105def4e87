import { runMigrations } from './run-migrations';
import { createPgliteClient, type SqlClient } from './sql-client';

describe('runMigrations with several migration sets in one database', () => {
  let client: SqlClient;

  beforeAll(async () => {
    client = await createPgliteClient();
  });

  afterAll(async () => {
    await client?.close();
  });

  it('records each set in its own table, so equal version numbers do not meet', async () => {
    const events = [{ version: 1, name: 'create_notes', sql: 'CREATE TABLE notes (id int)' }];
    const governance = [{ version: 1, name: 'create_keys', sql: 'CREATE TABLE keys (id int)' }];
    expect(await runMigrations(client, events)).toEqual([1]);
    expect(await runMigrations(client, governance, { table: 'governance_migrations' })).toEqual([1]);
    expect(await runMigrations(client, governance, { table: 'governance_migrations' })).toEqual([]);
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
    );
    expect(tables.map((row) => row.name)).toEqual(['governance_migrations', 'keys', 'notes', 'schema_migrations']);
  });

  it('refuses a record table name that is not a plain identifier', async () => {
    await expect(runMigrations(client, [], { table: 'x; DROP TABLE notes' })).rejects.toThrow(/may hold only/);
  });
});
