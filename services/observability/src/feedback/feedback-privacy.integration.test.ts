import type { CallContext } from '@switchyard/shared';
import { LocalObservabilityService } from '../local-observability-service';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent } from '../storage/__fixtures__/events';

jest.setTimeout(60_000);

const context = (): CallContext => ({ requestId: 'test-call', signal: new AbortController().signal });
const TRACE = 'b'.repeat(32);

/** Deleting an end user's data takes the scores on their requests with it, within the scope only. */
describe.each(DATABASE_KINDS)("feedback when an end user's data is deleted, on %s", (kind) => {
  let database: TestDatabase;
  let service: LocalObservabilityService;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    service = new LocalObservabilityService(database.client);
    const rows = [
      ['alice', 'team-a', 'a1'],
      ['alice', 'team-b', 'b1'],
      ['bob', 'team-a', 'a2'],
    ];
    await database.store.writeBatch(
      rows.map(([user, workspace, id]) =>
        requestEvent(requestCompleted({ eventId: `request-${id}`, requestId: id, user, workspace, traceId: TRACE })),
      ),
    );
    for (const [requestId, scope] of [
      ['a1', ['team-a']],
      ['b1', ['team-b']],
      ['a2', ['team-a']],
    ] as const) {
      expect(
        await service.recordFeedback({ requestId, name: 'thumbs', value: true, comment: 'from alice', keyId: '', scope: [...scope] }, context()),
      ).toBeDefined();
    }
    expect(await service.recordFeedback({ traceId: TRACE, name: 'task_done', value: 1, keyId: '', scope: ['team-a'] }, context())).toBeDefined();
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it("deletes the scores on the user's requests in the scope, and leaves trace scores and everyone else's", async () => {
    await service.deleteUserData({ user: 'alice', scope: ['team-a'] }, context());
    const rows = await database.client.query<{ workspace: string; request_id: string; name: string }>(
      'SELECT workspace, request_id, name FROM scores ORDER BY workspace, request_id, name',
    );
    expect(rows.map((row) => `${row.workspace}/${row.request_id}/${row.name}`)).toEqual([
      'team-a//task_done',
      'team-a/a2/thumbs',
      'team-b/b1/thumbs',
    ]);
  });
});
