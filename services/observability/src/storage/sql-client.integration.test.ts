import { POSTGRES_URL } from '../../../../test/support/infrastructure';
import { createPostgresClient, type SqlClient, type SqlExecutor } from '@switchyard/database';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from './__fixtures__/event-databases';

jest.setTimeout(60_000);

describe.each(DATABASE_KINDS)('SqlClient on %s', (kind) => {
  let database: TestDatabase;
  let client: SqlClient;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    client = database.client;
    await client.exec('CREATE TABLE notes (id int PRIMARY KEY, body text); CREATE TABLE other (id int)');
  });

  afterAll(async () => {
    await database?.dispose();
  });

  beforeEach(async () => {
    await client.exec('TRUNCATE notes');
  });

  const count = async (executor: SqlExecutor = client) =>
    Number((await executor.query<{ count: string | number }>('SELECT count(*) AS count FROM notes'))[0].count);

  it('binds parameters and returns rows with values parsed', async () => {
    const [row] = await client.query<{ number: number; text: string; time: Date; json: unknown; flag: boolean }>(
      'SELECT $1::int AS number, $2::text AS text, $3::timestamptz AS time, $4::jsonb AS json, $5::boolean AS flag',
      [42, 'hello', '2025-03-01T12:00:00.123Z', JSON.stringify({ a: [1, 'b'] }), true],
    );
    expect(row).toEqual({ number: 42, text: 'hello', time: new Date('2025-03-01T12:00:00.123Z'), json: { a: [1, 'b'] }, flag: true });
  });

  it('commits a transaction whose work resolves, with its result', async () => {
    const result = await client.transaction(async (transaction) => {
      await transaction.query('INSERT INTO notes VALUES ($1, $2)', [1, 'one']);
      await transaction.exec("INSERT INTO notes VALUES (2, 'two'); INSERT INTO notes VALUES (3, 'three')");
      return count(transaction);
    });
    expect(result).toBe(3);
    expect(await count()).toBe(3);
  });

  it('rolls back a transaction whose work rejects, and passes the rejection on', async () => {
    await expect(
      client.transaction(async (transaction) => {
        await transaction.query('INSERT INTO notes VALUES ($1, $2)', [1, 'one']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(0);
  });

  it('reports a failed statement with the SQLSTATE code, and rolls its transaction back', async () => {
    await client.query('INSERT INTO notes VALUES (1, $1)', ['one']);
    const failure = client.transaction(async (transaction) => {
      await transaction.query('INSERT INTO notes VALUES (2, $1)', ['two']);
      await transaction.query('INSERT INTO notes VALUES (1, $1)', ['again']);
    });
    await expect(failure).rejects.toMatchObject({ code: '23505', message: expect.stringContaining('duplicate key') });
    expect(await count()).toBe(1);
  });

  it('keeps a statement issued during a transaction out of it', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const transaction = client.transaction(async (executor) => {
      await executor.query('INSERT INTO notes VALUES (1, $1)', ['inside']);
      await released;
      throw new Error('roll back');
    });
    // Issued while the transaction is open: it must not become part of it (and be rolled back with it).
    const outside = client.query('INSERT INTO other VALUES (7)');
    release();
    await expect(transaction).rejects.toThrow('roll back');
    await outside;
    expect(await count()).toBe(0);
    expect(await client.query('SELECT id FROM other')).toEqual([{ id: 7 }]);
  });
});

describe('SqlClient on postgres, when the server drops a connection', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('rejects the statement it was running, and the next one gets a new connection', async () => {
    const client = createPostgresClient({ url: POSTGRES_URL, poolSize: 1 });
    try {
      // The connection's server process ends in the middle of a transaction, as on a server restart.
      await expect(client.transaction((transaction) => transaction.query('SELECT pg_terminate_backend(pg_backend_pid())'))).rejects.toThrow(
        /terminat/,
      );
      await expect(client.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
  });
});
