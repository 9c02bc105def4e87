import type { CallContext } from '@switchyard/shared';
import { LocalObservabilityService } from '../local-observability-service';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent, timestamp } from '../storage/__fixtures__/events';

jest.setTimeout(60_000);

const context = (): CallContext => ({ requestId: 'test-call', signal: new AbortController().signal });

/**
 * Reads within a workspace scope, on both databases: two workspaces whose
 * clients chose the same `x-request-id` each see only their own record, and
 * lists and usage count only the workspaces in scope.
 */
describe.each(DATABASE_KINDS)('scoped queries on %s', (kind) => {
  let database: TestDatabase;
  let service: LocalObservabilityService;
  const teamA = requestCompleted({ eventId: 'scope-a', requestId: 'shared-id', workspace: 'team-a', occurredAt: timestamp('2025-03-01T12:00:00Z') });
  // Later, so an unscoped read of the id would find it first: the shadowing the scope prevents.
  const teamB = requestCompleted({ eventId: 'scope-b', requestId: 'shared-id', workspace: 'team-b', occurredAt: timestamp('2025-03-01T13:00:00Z') });
  const teamC = requestCompleted({ eventId: 'scope-c', requestId: 'only-c', workspace: 'team-c', occurredAt: timestamp('2025-03-01T14:00:00Z') });

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await database.store.writeBatch([teamA, teamB, teamC].map(requestEvent));
    service = new LocalObservabilityService(database.client, { statementTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('finds a record id only within the scope: the same x-request-id never shadows or reveals another workspace', async () => {
    expect((await service.getRequest('shared-id', context(), ['team-a']))?.eventId).toBe('scope-a');
    expect((await service.getRequest('shared-id', context(), ['team-b']))?.eventId).toBe('scope-b');
    expect(await service.getRequest('shared-id', context(), ['team-c'])).toBeUndefined();
    expect(await service.getRequest('only-c', context(), ['team-a', 'team-b'])).toBeUndefined();
    expect(await service.getRequest('shared-id', context(), [])).toBeUndefined();
    expect((await service.getRequest('shared-id', context(), 'all'))?.eventId).toBe('scope-b');
  });

  it('lists only the records of the workspaces in scope', async () => {
    const ids = async (scope: readonly string[] | 'all') =>
      (await service.listRequests({ filter: {}, scope, limit: 10 }, context())).requests.map((record) => record.eventId);
    expect(await ids(['team-a'])).toEqual(['scope-a']);
    expect(await ids(['team-a', 'team-c'])).toEqual(['scope-c', 'scope-a']);
    expect(await ids([])).toEqual([]);
    expect(await ids('all')).toEqual(['scope-c', 'scope-b', 'scope-a']);
    // A filter and a scope together: their intersection.
    expect((await service.listRequests({ filter: { workspace: 'team-b' }, scope: ['team-a'] }, context())).requests).toEqual([]);
  });

  it('counts usage only within the scope', async () => {
    const groups = async (scope: readonly string[] | 'all') =>
      (await service.usage({ filter: {}, groupBy: 'workspace', scope }, context())).map((row) => [row.group, row.requests]);
    expect(await groups(['team-b'])).toEqual([['team-b', 1]]);
    expect(await groups(['team-a', 'team-c'])).toEqual([
      ['team-a', 1],
      ['team-c', 1],
    ]);
    expect(await groups([])).toEqual([]);
    expect(await groups('all')).toHaveLength(3);
  });
});
