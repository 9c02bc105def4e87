import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { purgeExpiredScores } from './purge-expired-scores';

jest.setTimeout(60_000);

describe.each(DATABASE_KINDS)('purging expired scores on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    const days = ['2025-01-01', '2025-01-20', '2025-02-10'];
    for (const [index, day] of days.entries()) {
      await database.client.query(
        `INSERT INTO scores (score_id, created_at, workspace, request_id, trace_id, on_request, name, kind, numeric_value, comment, key_id)
         VALUES ($1, $2, 'acme', $3, '', true, 'thumbs', 'boolean', 1, '', '')`,
        [`score-${index}`, `${day}T12:00:00Z`, `r${index}`],
      );
    }
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it('deletes the scores given before the cut, and only those', async () => {
    expect(await purgeExpiredScores(database.client, new Date('2025-01-20T12:00:00Z'))).toBe(1);
    expect(await purgeExpiredScores(database.client, new Date('2025-01-20T12:00:00Z'))).toBe(0);
    const rows = await database.client.query<{ score_id: string }>('SELECT score_id FROM scores ORDER BY score_id');
    expect(rows.map((row) => row.score_id)).toEqual(['score-1', 'score-2']);
  });

  it('stops before starting when its signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await purgeExpiredScores(database.client, new Date('2030-01-01T00:00:00Z'), controller.signal)).toBe(0);
    expect(await database.client.query('SELECT 1 FROM scores')).toHaveLength(2);
  });
});
