import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent } from '../storage/__fixtures__/events';
import { LocalObservabilityService } from '../local-observability-service';
import type { CallContext } from '@switchyard/shared';

jest.setTimeout(60_000);

const context = (): CallContext => ({ requestId: 'test-call', signal: new AbortController().signal });

describe.each(DATABASE_KINDS)("deleting an end user's data on %s", (kind) => {
  let database: TestDatabase;
  let service: LocalObservabilityService;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    service = new LocalObservabilityService(database.client);
  });

  // Each test starts from the same rows; one database for the suite (a PGlite start costs seconds).
  beforeEach(async () => {
    await database.client.exec('TRUNCATE requests');
    const rows = [
      ['alice', 'team-a', 'a1'],
      ['alice', 'team-a', 'a2'],
      ['alice', 'team-b', 'b1'],
      ['bob', 'team-a', 'a3'],
    ];
    await database.store.writeBatch(
      rows.map(([user, workspace, id]) => requestEvent(requestCompleted({ eventId: `request-${id}`, requestId: id, user, workspace }))),
    );
  });

  afterAll(async () => {
    await database?.dispose();
  });

  async function count(table: string, user: string, workspace: string): Promise<number> {
    const [row] = await database.client.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table} WHERE user_id = $1 AND workspace = $2`, [
      user,
      workspace,
    ]);
    return Number(row.n);
  }

  it("deletes the user's records within the scope, and nothing else", async () => {
    expect(await service.deleteUserData({ user: 'alice', scope: ['team-a'] }, context())).toEqual({ requests: 2 });
    expect(await count('requests', 'alice', 'team-a')).toBe(0);
    expect(await count('requests', 'alice', 'team-b')).toBe(1);
    expect(await count('requests', 'bob', 'team-a')).toBe(1);
    expect(await service.getRequest('a1', context())).toBeUndefined();
    expect(await service.getRequest('a3', context())).toBeDefined();
  });

  it('deletes in every workspace for an unlimited scope, and in none for an empty one', async () => {
    expect(await service.deleteUserData({ user: 'alice', scope: [] }, context())).toEqual({ requests: 0 });
    expect(await service.deleteUserData({ user: 'alice', scope: 'all' }, context())).toEqual({ requests: 3 });
    expect(await count('requests', 'alice', 'team-b')).toBe(0);
    expect(await count('requests', 'bob', 'team-a')).toBe(1);
  });

  it('treats a user id as data, never as SQL', async () => {
    const hostile = "alice' OR '1'='1";
    expect(await service.deleteUserData({ user: hostile, scope: 'all' }, context())).toEqual({ requests: 0 });
    expect(await count('requests', 'bob', 'team-a')).toBe(1);
  });
});
