import type { CallContext } from '@switchyard/shared';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { LocalObservabilityService } from '../local-observability-service';

jest.setTimeout(60_000);

const context = (): CallContext => ({ requestId: 'test-call', signal: new AbortController().signal });

/** Deleting a user's data takes the edge conversations their streams recorded, within the scope only. */
describe.each(DATABASE_KINDS)("deleting an end user's conversations on %s", (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  async function insert(id: string, uid: string, workspace: string): Promise<void> {
    await database.client.query(
      `INSERT INTO conversations (conversation_id, workspace, uid, key_id, created_at, started_at, finished_at, language, status, source, discarded, revision)
       VALUES ($1, $2, $3, '', now(), now(), NULL, 'en', 'in_progress', 'omi', false, 1)`,
      [id, workspace, uid],
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

  it('deletes the conversations, segments and memories of the user in the scope, and nothing else', async () => {
    await insert('alice-a', 'alice', 'team-a');
    await insert('alice-b', 'alice', 'team-b');
    await insert('bob-a', 'bob', 'team-a');
    await new LocalObservabilityService(database.client).deleteUserData({ user: 'alice', scope: ['team-a'] }, context());
    for (const table of ['conversations', 'conversation_segments', 'conversation_memories']) {
      const rows = await database.client.query<{ conversation_id: string }>(`SELECT conversation_id FROM ${table} ORDER BY conversation_id`);
      expect({ table, ids: rows.map((row) => row.conversation_id) }).toEqual({ table, ids: ['alice-b', 'bob-a'] });
    }
  });
});
