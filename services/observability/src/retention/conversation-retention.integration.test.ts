import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { purgeExpiredData } from './purge-expired-data';

jest.setTimeout(60_000);

/** The retention window over the edge conversation tables of migration 0014. */
describe.each(DATABASE_KINDS)('conversation retention on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  async function insert(id: string, startedAt: string, finishedAt: string | null): Promise<void> {
    await database.client.query(
      `INSERT INTO conversations (conversation_id, workspace, uid, key_id, created_at, started_at, finished_at, language, status, source, discarded, revision)
       VALUES ($1, 'team-a', 'user-1', '', $2, $2, $3, 'en', $4, 'omi', false, 1)`,
      [id, startedAt, finishedAt, finishedAt === null ? 'in_progress' : 'completed'],
    );
    await database.client.query(
      `INSERT INTO conversation_segments (conversation_id, segment_id, text, speaker, speaker_id, is_user, person_id, start_seconds, end_seconds, speech_profile_processed, stt_provider)
       VALUES ($1, 's1', 'hi', 'SPEAKER_00', 0, false, NULL, 0, 1, false, 'test')`,
      [id],
    );
    await database.client.query(
      `INSERT INTO conversation_memories (memory_id, conversation_id, content, category) VALUES ($1, $2, 'fact', 'interesting')`,
      [`${id}_m1`, id],
    );
  }

  async function remaining(table: string): Promise<string[]> {
    const rows = await database.client.query<{ conversation_id: string }>(`SELECT DISTINCT conversation_id FROM ${table} ORDER BY conversation_id`);
    return rows.map((row) => row.conversation_id);
  }

  it('deletes conversations that ended (or, open, started) before the window, with their segments and memories', async () => {
    await insert('ended-old', '2025-01-01T10:00:00Z', '2025-01-01T11:00:00Z');
    await insert('open-old', '2025-01-02T10:00:00Z', null);
    // Started before the cut, ended after it: kept.
    await insert('ended-across', '2025-01-31T23:00:00Z', '2025-02-01T01:00:00Z');
    await insert('recent', '2025-02-10T10:00:00Z', null);

    await purgeExpiredData(database.client, new Date('2025-02-01T00:00:00Z'));

    for (const table of ['conversations', 'conversation_segments', 'conversation_memories']) {
      expect({ table, ids: await remaining(table) }).toEqual({ table, ids: ['ended-across', 'recent'] });
    }
  });
});
