import { createLogger } from '@switchyard/shared';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent, timestamp } from '../storage/__fixtures__/events';
import { purgeExpiredData } from './purge-expired-data';
import { RetentionJob } from './retention-job';

jest.setTimeout(60_000);

const logger = createLogger('test', 'silent');

describe.each(DATABASE_KINDS)('retention on %s', (kind) => {
  let database: TestDatabase;
  const jobs: RetentionJob[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  // Each test starts from the same rows; one database for the suite (a PGlite start costs seconds).
  beforeEach(async () => {
    await database.client.exec('TRUNCATE requests');
    const days = ['2025-01-01', '2025-01-20', '2025-02-10', '2025-03-01'];
    await database.store.writeBatch(
      days.map((day, index) =>
        requestEvent(requestCompleted({ eventId: `request-${index}`, requestId: `r${index}`, occurredAt: timestamp(`${day}T12:00:00Z`) })),
      ),
    );
  });

  afterEach(async () => {
    await Promise.all(jobs.splice(0).map((job) => job.stop()));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  async function remaining(table: string): Promise<string[]> {
    const rows = await database.client.query<{ request_id: string }>(`SELECT request_id FROM ${table} ORDER BY occurred_at`);
    return rows.map((row) => row.request_id);
  }

  it('purges records older than the cut-off, and keeps the rest', async () => {
    expect(await purgeExpiredData(database.client, new Date('2025-02-01T00:00:00Z'))).toEqual({ requests: 2 });
    expect(await remaining('requests')).toEqual(['r2', 'r3']);
    expect(await purgeExpiredData(database.client, new Date('2025-02-01T00:00:00Z'))).toEqual({ requests: 0 });
  });

  it('runs at start, purging what is older than retentionDays, and reports each purge', async () => {
    const purges: unknown[] = [];
    const job = new RetentionJob(database.client, {
      retentionDays: 30,
      logger,
      now: () => new Date('2025-03-02T00:00:00Z'),
      onPurged: (purged, before) => purges.push({ purged, before }),
    });
    jobs.push(job);
    job.start();
    const deadline = Date.now() + 10_000;
    while (purges.length === 0) {
      if (Date.now() > deadline) throw new Error('no purge at start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(purges).toEqual([{ purged: { requests: 2 }, before: new Date('2025-01-31T00:00:00Z') }]);
    expect(await remaining('requests')).toEqual(['r2', 'r3']);
  });
});
