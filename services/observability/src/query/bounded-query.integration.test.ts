import { Client } from 'pg';
import { requestCancelled } from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { POSTGRES_URL } from '../../../../test/support/infrastructure';
import { openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { runBoundedQuery } from './bounded-query';

jest.setTimeout(60_000);

const DEADLINE_MS = 10_000;

/** Polls `check` until it holds, or fails after the deadline. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('bounded queries on postgres', () => {
  let database: TestDatabase;
  let client: SqlClient;
  let observer: Client;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    client = database.client;
    observer = new Client({ connectionString: POSTGRES_URL });
    await observer.connect();
  });

  afterAll(async () => {
    await observer?.end();
    await database?.dispose();
  });

  /** Whether a statement holding `marker` is running on the server. */
  async function running(marker: string): Promise<boolean> {
    const { rows } = await observer.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
      [`%${marker}%`],
    );
    return rows[0].n > 0;
  }

  it('stops a statement past its statement_timeout with a 504 query_timeout', async () => {
    const failure = runBoundedQuery(client, { statementTimeoutMs: 50 }, new AbortController().signal, (executor) =>
      executor.query('SELECT pg_sleep(30) /* bounded-timeout */'),
    );
    await expect(failure).rejects.toMatchObject({ status: 504, code: 'query_timeout' });
    expect(await running('bounded-timeout')).toBe(false);
    // The pool's connection is usable afterwards, without the timeout.
    expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('cancels the statement on the server when its caller goes away', async () => {
    const controller = new AbortController();
    const query = runBoundedQuery(client, { statementTimeoutMs: 60_000 }, controller.signal, (executor) =>
      executor.query('SELECT pg_sleep(30) /* bounded-cancel */'),
    );
    await eventually('the query is running', () => running('bounded-cancel'));
    controller.abort();
    await expect(query).rejects.toMatchObject(requestCancelled());
    await eventually('the query is cancelled on the server', async () => !(await running('bounded-cancel')));
  });

  it('runs nothing for a caller already gone', async () => {
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    await expect(
      runBoundedQuery(client, { statementTimeoutMs: 1_000 }, controller.signal, async () => {
        ran = true;
        return [];
      }),
    ).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(ran).toBe(false);
  });
});

describe('bounded queries on pglite', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('drops the result of a query whose caller went away while it ran', async () => {
    const controller = new AbortController();
    let finished = false;
    const query = runBoundedQuery(database.client, { statementTimeoutMs: 1_000 }, controller.signal, async (executor) => {
      const rows = await executor.query('SELECT count(*) AS n FROM generate_series(1, 200000)');
      finished = true;
      return rows;
    });
    controller.abort();
    await expect(query).rejects.toMatchObject({ code: 'client_closed_request' });
    await eventually('the statement ends', async () => finished);
    expect(await database.client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
