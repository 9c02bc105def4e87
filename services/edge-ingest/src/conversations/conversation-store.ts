import type { SqlClient, SqlExecutor } from '@switchyard/database';
import { invalidRequest, type WorkspaceScope } from '@switchyard/shared';
import type { ConversationStructure, StoredConversation, TranscriptSegment } from '../contracts';

/** A conversation as written: the stored shape plus who recorded it and how new this state is. */
export interface ConversationRecord {
  conversation: StoredConversation;
  keyId: string;
  /** Grows with every change; an older state written again (a redelivered event) changes nothing. */
  revision: number;
}

/** Where conversations go: the tracker in one process, the event sink in distributed mode. */
export interface ConversationWriter {
  /** Upserts the conversation, its segments (by id) and its memories. */
  saveConversation(record: ConversationRecord): Promise<void>;
  /** Upserts segments of a conversation already saved (a segment that grew replaces its shorter self). */
  saveSegments(conversationId: string, segments: readonly TranscriptSegment[]): Promise<void>;
}

export interface ConversationListQuery {
  scope: WorkspaceScope;
  /** One user's conversations only. */
  uid?: string;
  /** Conversations started at or after. */
  from?: Date;
  /** Conversations started before. */
  to?: Date;
  limit: number;
  /** The `next_cursor` of the page before. */
  after?: string;
}

export interface ConversationPage {
  /** Newest first, without their transcript segments. */
  conversations: Omit<StoredConversation, 'transcript_segments'>[];
  /** Set when there are more: pass it as `after`. */
  nextCursor?: string;
}

/** What `GET /v1/conversations` and `GET /v1/conversations/{id}` read. */
export interface ConversationReader {
  listConversations(query: ConversationListQuery): Promise<ConversationPage>;
  /** Undefined when there is none in `scope` (another workspace's conversation is not there). */
  getConversation(id: string, scope: WorkspaceScope): Promise<StoredConversation | undefined>;
}

const UPSERT_CONVERSATION = `
  INSERT INTO conversations (conversation_id, workspace, uid, key_id, created_at, started_at, finished_at, language, status, source,
    discarded, structured, revision)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  ON CONFLICT (conversation_id) DO UPDATE SET finished_at = EXCLUDED.finished_at, status = EXCLUDED.status,
    discarded = EXCLUDED.discarded, structured = EXCLUDED.structured, revision = EXCLUDED.revision
  WHERE conversations.revision < EXCLUDED.revision AND conversations.workspace = EXCLUDED.workspace`;

/** A segment's later (grown) text wins; one that ends earlier is an older version of it. */
const UPSERT_SEGMENTS = `
  INSERT INTO conversation_segments (conversation_id, segment_id, text, speaker, speaker_id, is_user, person_id, start_seconds,
    end_seconds, speech_profile_processed, stt_provider)
  SELECT $1, s.id, s.text, s.speaker, s.speaker_id, s.is_user, s.person_id, s.start_seconds, s.end_seconds, s.profiled, s.provider
  FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::boolean[], $7::text[], $8::double precision[],
    $9::double precision[], $10::boolean[], $11::text[])
    AS s(id, text, speaker, speaker_id, is_user, person_id, start_seconds, end_seconds, profiled, provider)
  ON CONFLICT (conversation_id, segment_id) DO UPDATE SET text = EXCLUDED.text, speaker = EXCLUDED.speaker,
    speaker_id = EXCLUDED.speaker_id, is_user = EXCLUDED.is_user, person_id = EXCLUDED.person_id,
    start_seconds = EXCLUDED.start_seconds, end_seconds = EXCLUDED.end_seconds,
    speech_profile_processed = EXCLUDED.speech_profile_processed, stt_provider = EXCLUDED.stt_provider
  WHERE conversation_segments.end_seconds <= EXCLUDED.end_seconds`;

const INSERT_MEMORIES = `
  INSERT INTO conversation_memories (memory_id, conversation_id, content, category)
  SELECT m.id, $1, m.content, m.category FROM unnest($2::text[], $3::text[], $4::text[]) AS m(id, content, category)
  ON CONFLICT (memory_id) DO NOTHING`;

const CONVERSATION_COLUMNS = `conversation_id, workspace, uid, created_at, started_at, finished_at, language, status, source, discarded, structured`;

interface ConversationRow {
  conversation_id: string;
  workspace: string;
  uid: string;
  created_at: Date;
  started_at: Date;
  finished_at: Date | null;
  language: string;
  status: StoredConversation['status'];
  source: StoredConversation['source'];
  discarded: boolean;
  structured: ConversationStructure | string | null;
}

interface SegmentRow {
  segment_id: string;
  text: string;
  speaker: string;
  speaker_id: number;
  is_user: boolean;
  person_id: string | null;
  start_seconds: number;
  end_seconds: number;
  speech_profile_processed: boolean;
  stt_provider: string;
}

interface MemoryRow {
  conversation_id: string;
  memory_id: string;
  content: string;
  category: string;
}

/**
 * Conversations in the records database (migration 0014), on Postgres or
 * PGlite alike. Every write is an idempotent upsert, so a redelivered event
 * leaves the rows as they were.
 */
export class SqlConversationStore implements ConversationWriter, ConversationReader {
  constructor(private readonly client: SqlClient) {}

  async saveConversation({ conversation, keyId, revision }: ConversationRecord): Promise<void> {
    await this.client.transaction(async (transaction) => {
      await transaction.query(UPSERT_CONVERSATION, [
        conversation.id,
        conversation.workspace,
        conversation.uid,
        keyId,
        conversation.created_at,
        conversation.started_at,
        conversation.finished_at,
        conversation.language,
        conversation.status,
        conversation.source,
        conversation.discarded,
        conversation.structured === null ? null : JSON.stringify(conversation.structured),
        revision,
      ]);
      await upsertSegments(transaction, conversation.id, conversation.transcript_segments);
      if (conversation.memories.length > 0) {
        await transaction.query(INSERT_MEMORIES, [
          conversation.id,
          conversation.memories.map((memory) => memory.id),
          conversation.memories.map((memory) => memory.content),
          conversation.memories.map((memory) => memory.category),
        ]);
      }
    });
  }

  async saveSegments(conversationId: string, segments: readonly TranscriptSegment[]): Promise<void> {
    await upsertSegments(this.client, conversationId, segments);
  }

  async listConversations(query: ConversationListQuery): Promise<ConversationPage> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const bind = (value: unknown) => `$${parameters.push(value)}`;
    if (query.scope !== 'all') conditions.push(`workspace = ANY(${bind([...query.scope])}::text[])`);
    if (query.uid !== undefined) conditions.push(`uid = ${bind(query.uid)}`);
    if (query.from) conditions.push(`started_at >= ${bind(query.from.toISOString())}`);
    if (query.to) conditions.push(`started_at < ${bind(query.to.toISOString())}`);
    if (query.after !== undefined) {
      const cursor = decodeCursor(query.after);
      conditions.push(`(started_at, conversation_id) < (${bind(cursor.startedAt)}::timestamptz, ${bind(cursor.id)})`);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    // One more than asked tells whether there is another page.
    const rows = await this.client.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations ${where} ORDER BY started_at DESC, conversation_id DESC LIMIT ${bind(query.limit + 1)}`,
      parameters,
    );
    const page = rows.slice(0, query.limit);
    const memories = await this.memoriesOf(page.map((row) => row.conversation_id));
    const conversations = page.map((row) => {
      const { transcript_segments: _segments, ...listed } = toConversation(row, [], memories.get(row.conversation_id) ?? []);
      return listed;
    });
    const last = page[page.length - 1];
    return rows.length > query.limit ? { conversations, nextCursor: encodeCursor(last.started_at, last.conversation_id) } : { conversations };
  }

  async getConversation(id: string, scope: WorkspaceScope): Promise<StoredConversation | undefined> {
    const [row] = await this.client.query<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE conversation_id = $1`, [id]);
    if (!row || (scope !== 'all' && !scope.includes(row.workspace))) return undefined;
    const segments = await this.client.query<SegmentRow>(
      `SELECT segment_id, text, speaker, speaker_id, is_user, person_id, start_seconds, end_seconds, speech_profile_processed, stt_provider
       FROM conversation_segments WHERE conversation_id = $1 ORDER BY start_seconds, segment_id`,
      [id],
    );
    const memories = await this.memoriesOf([id]);
    return toConversation(
      row,
      segments.map((segment) => ({
        id: segment.segment_id,
        text: segment.text,
        speaker: segment.speaker,
        speaker_id: segment.speaker_id,
        is_user: segment.is_user,
        person_id: segment.person_id,
        start: segment.start_seconds,
        end: segment.end_seconds,
        translations: [],
        speech_profile_processed: segment.speech_profile_processed,
        stt_provider: segment.stt_provider,
      })),
      memories.get(id) ?? [],
    );
  }

  private async memoriesOf(ids: readonly string[]): Promise<Map<string, StoredConversation['memories']>> {
    const byConversation = new Map<string, StoredConversation['memories']>();
    if (ids.length === 0) return byConversation;
    const rows = await this.client.query<MemoryRow>(
      `SELECT conversation_id, memory_id, content, category FROM conversation_memories WHERE conversation_id = ANY($1::text[]) ORDER BY memory_id`,
      [[...ids]],
    );
    for (const row of rows) {
      const list = byConversation.get(row.conversation_id) ?? [];
      list.push({ id: row.memory_id, content: row.content, category: row.category });
      byConversation.set(row.conversation_id, list);
    }
    return byConversation;
  }
}

async function upsertSegments(executor: SqlExecutor, conversationId: string, segments: readonly TranscriptSegment[]): Promise<void> {
  if (segments.length === 0) return;
  // One row per id: Postgres refuses to update the same row twice in one statement.
  const latest = new Map<string, TranscriptSegment>();
  for (const segment of segments) {
    const known = latest.get(segment.id);
    if (!known || known.end <= segment.end) latest.set(segment.id, segment);
  }
  const unique = [...latest.values()];
  await executor.query(UPSERT_SEGMENTS, [
    conversationId,
    unique.map((segment) => segment.id),
    unique.map((segment) => segment.text),
    unique.map((segment) => segment.speaker),
    unique.map((segment) => segment.speaker_id),
    unique.map((segment) => segment.is_user),
    unique.map((segment) => segment.person_id),
    unique.map((segment) => segment.start),
    unique.map((segment) => segment.end),
    unique.map((segment) => segment.speech_profile_processed),
    unique.map((segment) => segment.stt_provider),
  ]);
}

function toConversation(row: ConversationRow, segments: TranscriptSegment[], memories: StoredConversation['memories']): StoredConversation {
  return {
    id: row.conversation_id,
    workspace: row.workspace,
    uid: row.uid,
    created_at: new Date(row.created_at).toISOString(),
    started_at: new Date(row.started_at).toISOString(),
    finished_at: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    language: row.language,
    status: row.status,
    transcript_segments: segments,
    structured: typeof row.structured === 'string' ? (JSON.parse(row.structured) as ConversationStructure) : row.structured,
    memories,
    discarded: row.discarded,
    source: row.source,
    geolocation: null,
  };
}

/** `<started_at ISO>|<id>`, base64url: where the next page starts. */
function encodeCursor(startedAt: Date, id: string): string {
  return Buffer.from(`${new Date(startedAt).toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString();
  const separator = text.indexOf('|');
  const startedAt = text.slice(0, separator);
  if (separator < 1 || Number.isNaN(Date.parse(startedAt)) || !/^\d{4}-\d\d-\d\dT/.test(startedAt)) {
    throw invalidRequest('after is not a cursor this API returned.', 'after', 'invalid_cursor');
  }
  return { startedAt, id: text.slice(separator + 1) };
}
