import { randomBytes } from 'node:crypto';
import { createPgliteClient, createPostgresClient, createSchema, quoteIdentifier, type SqlClient } from '@switchyard/database';
import { POSTGRES_URL, requirePostgres } from '../../../../test/support/infrastructure';
import type { ResponseItem } from '../responses-wire/parse-responses-request';
import type { StoredResponse } from './response-store';
import { RESPONSES_MIGRATIONS_TABLE, SqlResponseStore } from './sql-response-store';

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;

/** The store on the embedded database and on a schema of its own on the shared Postgres (dropped after). */
describe.each(['pglite', 'postgres'] as const)('SqlResponseStore on %s', (kind) => {
  let client: SqlClient;
  let schema: string | undefined;
  const now = Date.parse('2026-03-01T12:00:00Z');
  let store: SqlResponseStore;

  beforeAll(async () => {
    if (kind === 'pglite') {
      client = await createPgliteClient();
    } else {
      await requirePostgres();
      schema = `responses_test_${randomBytes(6).toString('hex')}`;
      client = createPostgresClient({ url: POSTGRES_URL, schema, poolSize: 2 });
      await createSchema(client, schema);
    }
    store = await SqlResponseStore.open(client, { retentionDays: 30, now: () => now });
  });

  afterAll(async () => {
    await client?.close();
    if (schema !== undefined) {
      const admin = createPostgresClient({ url: POSTGRES_URL, poolSize: 1 });
      try {
        await admin.exec(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      } finally {
        await admin.close();
      }
    }
  });

  const item = (id: string, text: string, role = 'user'): ResponseItem => ({
    type: 'message',
    id,
    role,
    content: [{ type: role === 'user' ? 'input_text' : 'output_text', text }],
  });
  const stored = (id: string, fields: Partial<StoredResponse> = {}): StoredResponse => ({
    id,
    workspace: 'team-a',
    createdAt: new Date(now),
    user: 'dana',
    inputItems: [item(`${id}_in`, `${id} asks`)],
    outputItems: [item(`${id}_out`, `${id} answers`, 'assistant')],
    response: { id, object: 'response' },
    ...fields,
  });

  it('records its migrations in its own table, once', async () => {
    const rows = await client.query<{ version: number; name: string }>(`SELECT version, name FROM ${RESPONSES_MIGRATIONS_TABLE}`);
    expect(rows.map((row) => `${row.version} ${row.name}`)).toEqual(['1 responses']);
    await SqlResponseStore.open(client);
  });

  it('reads a response back only within the workspaces given', async () => {
    await store.save(stored('resp_read'));
    expect(await store.get('resp_read', ['team-a'])).toMatchObject({
      id: 'resp_read',
      workspace: 'team-a',
      user: 'dana',
      response: { id: 'resp_read' },
    });
    expect(await store.get('resp_read', 'all')).toBeDefined();
    expect(await store.get('resp_read', ['team-b'])).toBeUndefined();
    expect(await store.delete('resp_read', ['team-b'])).toBe(false);
    expect(await store.delete('resp_read', ['team-a'])).toBe(true);
    expect(await store.get('resp_read', 'all')).toBeUndefined();
  });

  it('gives a conversation oldest first, inputs before outputs, within one workspace; a deleted link ends it', async () => {
    await store.save(stored('resp_c1'));
    await store.save(stored('resp_c2', { previousResponseId: 'resp_c1' }));
    await store.save(stored('resp_c3', { previousResponseId: 'resp_c2' }));
    expect((await store.conversation('resp_c3', 'team-a'))!.map((each) => each.id)).toEqual([
      'resp_c1_in',
      'resp_c1_out',
      'resp_c2_in',
      'resp_c2_out',
      'resp_c3_in',
      'resp_c3_out',
    ]);
    expect(await store.conversation('resp_c3', 'team-b')).toBeUndefined();
    await store.delete('resp_c3', ['team-a']);
    expect(await store.conversation('resp_c3', 'team-a')).toBeUndefined();
  });

  it('replaces an id given again in its own workspace, never in another', async () => {
    await store.save(stored('resp_again', { response: { id: 'resp_again', version: 1 } }));
    await store.save(stored('resp_again', { response: { id: 'resp_again', version: 2 } }));
    await store.save(stored('resp_again', { workspace: 'team-b', response: { id: 'resp_again', version: 3 } }));
    expect((await store.get('resp_again', 'all'))!).toMatchObject({ workspace: 'team-a', response: { version: 2 } });
  });

  it("deletes one end user's responses within the workspaces given", async () => {
    await store.save(stored('resp_user_a', { user: 'erin' }));
    await store.save(stored('resp_user_b', { user: 'erin', workspace: 'team-b' }));
    expect(await store.deleteUser('erin', ['team-a'])).toBe(1);
    expect(await store.get('resp_user_a', 'all')).toBeUndefined();
    expect(await store.get('resp_user_b', 'all')).toBeDefined();
  });

  it('neither returns nor keeps responses past the retention', async () => {
    await store.save(stored('resp_old', { createdAt: new Date(now - 31 * DAY_MS) }));
    expect(await store.get('resp_old', 'all')).toBeUndefined();
    expect(await store.conversation('resp_old', 'team-a')).toBeUndefined();
    expect((await client.query('SELECT id FROM responses WHERE id = $1', ['resp_old'])).length).toBe(1);
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect((await client.query('SELECT id FROM responses WHERE id = $1', ['resp_old'])).length).toBe(0);
  });
});
