import path from 'node:path';
import { loadMigrations, runMigrations, type SqlClient } from '@switchyard/database';
import type { WorkspaceScope } from '@switchyard/shared';
import type { ResponseItem } from '../responses-wire/parse-responses-request';
import type { ResponseStore, ResponseStoreOptions, StoredResponse } from './response-store';

/** Its own record table: these migrations are numbered apart from every other set sharing the database. */
export const RESPONSES_MIGRATIONS_TABLE = 'responses_migrations';

/** How far back a conversation is followed: a bound on the work one request can ask for. */
const MAX_CONVERSATION_DEPTH = 1000;

const DAY_MS = 86_400_000;
/** Expired responses are deleted at most this often, after a save, off the request path. */
const PURGE_INTERVAL_MS = 3_600_000;

interface ResponseRow {
  id: string;
  workspace: string;
  created_at: Date | string;
  previous_response_id: string | null;
  end_user: string;
  input_items: ResponseItem[];
  output_items: ResponseItem[];
  response: Record<string, unknown>;
}

/**
 * Stored responses in Postgres or the embedded database (PGlite): the same
 * SQL on both. With a retention, older responses are never returned, and are
 * deleted now and then after a save (no timer of its own to stop).
 */
export class SqlResponseStore implements ResponseStore {
  private readonly now: () => number;
  private lastPurge = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly client: SqlClient,
    private readonly options: ResponseStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Applies this store's migrations (safe from several processes at once), then opens it. */
  static async open(client: SqlClient, options: ResponseStoreOptions = {}): Promise<SqlResponseStore> {
    const migrations = loadMigrations(path.join(__dirname, 'migrations'), 'npm run build -w @switchyard/gateway');
    await runMigrations(client, migrations, { table: RESPONSES_MIGRATIONS_TABLE });
    return new SqlResponseStore(client, options);
  }

  /** The oldest `created_at` still kept (the epoch without a retention). */
  private cutoff(): Date {
    const { retentionDays } = this.options;
    return new Date(retentionDays === undefined ? 0 : this.now() - retentionDays * DAY_MS);
  }

  /** Deletes the responses past the retention; returns how many. */
  async purgeExpired(): Promise<number> {
    if (this.options.retentionDays === undefined) return 0;
    const rows = await this.client.query<{ id: string }>('DELETE FROM responses WHERE created_at < $1 RETURNING id', [this.cutoff()]);
    return rows.length;
  }

  async deleteUser(user: string, scope: WorkspaceScope): Promise<number> {
    const rows = await this.client.query<{ id: string }>(
      `DELETE FROM responses WHERE end_user = $1 ${scope === 'all' ? '' : 'AND workspace = ANY($2::text[])'} RETURNING id`,
      scope === 'all' ? [user] : [user, [...scope]],
    );
    return rows.length;
  }

  /**
   * An id stored before (an upstream's, given again) is replaced in its own
   * workspace and left alone in another's: nothing crosses workspaces.
   */
  async save(stored: StoredResponse): Promise<void> {
    await this.client.query(
      `INSERT INTO responses (id, workspace, created_at, previous_response_id, end_user, input_items, output_items, response)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb)
       ON CONFLICT (id) DO UPDATE SET
         created_at = EXCLUDED.created_at, previous_response_id = EXCLUDED.previous_response_id, end_user = EXCLUDED.end_user,
         input_items = EXCLUDED.input_items, output_items = EXCLUDED.output_items, response = EXCLUDED.response
       WHERE responses.workspace = EXCLUDED.workspace`,
      [
        stored.id,
        stored.workspace,
        stored.createdAt,
        stored.previousResponseId ?? null,
        stored.user,
        JSON.stringify(stored.inputItems),
        JSON.stringify(stored.outputItems),
        JSON.stringify(stored.response),
      ],
    );
    if (this.options.retentionDays !== undefined && this.now() - this.lastPurge >= PURGE_INTERVAL_MS) {
      this.lastPurge = this.now();
      // A failed purge is tried again after the next interval; the reads already hide what it left.
      void this.purgeExpired().catch(() => undefined);
    }
  }

  async get(id: string, scope: WorkspaceScope): Promise<StoredResponse | undefined> {
    const [row] = await this.client.query<ResponseRow>(
      `SELECT * FROM responses WHERE id = $1 AND created_at >= $2 ${scope === 'all' ? '' : 'AND workspace = ANY($3::text[])'}`,
      scope === 'all' ? [id, this.cutoff()] : [id, this.cutoff(), [...scope]],
    );
    return row && storedOf(row);
  }

  async conversation(id: string, workspace: string): Promise<ResponseItem[] | undefined> {
    const rows = await this.client.query<{ input_items: ResponseItem[]; output_items: ResponseItem[] }>(
      `WITH RECURSIVE chain AS (
         SELECT id, previous_response_id, input_items, output_items, 0 AS depth FROM responses
          WHERE id = $1 AND workspace = $2 AND created_at >= $4
         UNION ALL
         SELECT r.id, r.previous_response_id, r.input_items, r.output_items, chain.depth + 1
           FROM responses r JOIN chain ON r.id = chain.previous_response_id AND r.workspace = $2 AND r.created_at >= $4
          WHERE chain.depth < $3
       )
       SELECT input_items, output_items FROM chain ORDER BY depth DESC`,
      [id, workspace, MAX_CONVERSATION_DEPTH, this.cutoff()],
    );
    if (rows.length === 0) return undefined;
    return rows.flatMap((row) => [...row.input_items, ...row.output_items]);
  }

  async delete(id: string, scope: WorkspaceScope): Promise<boolean> {
    const rows = await this.client.query<{ id: string }>(
      `DELETE FROM responses WHERE id = $1 ${scope === 'all' ? '' : 'AND workspace = ANY($2::text[])'} RETURNING id`,
      scope === 'all' ? [id] : [id, [...scope]],
    );
    return rows.length > 0;
  }
}

function storedOf(row: ResponseRow): StoredResponse {
  return {
    id: row.id,
    workspace: row.workspace,
    createdAt: new Date(row.created_at),
    ...(row.previous_response_id !== null && { previousResponseId: row.previous_response_id }),
    user: row.end_user,
    inputItems: row.input_items,
    outputItems: row.output_items,
    response: row.response,
  };
}

/**
 * A store whose tables open at first use (the embedded database opens at
 * first need): every call waits for the same opening; a failed opening is
 * tried again by the next call.
 */
export function openingResponseStore(client: () => Promise<SqlClient>, options: ResponseStoreOptions = {}): ResponseStore {
  let opening: Promise<SqlResponseStore> | undefined;
  const opened = (): Promise<SqlResponseStore> => {
    opening ??= client().then((sql) => SqlResponseStore.open(sql, options));
    opening.catch(() => (opening = undefined));
    return opening;
  };
  return {
    save: async (stored) => (await opened()).save(stored),
    get: async (id, scope) => (await opened()).get(id, scope),
    conversation: async (id, workspace) => (await opened()).conversation(id, workspace),
    delete: async (id, scope) => (await opened()).delete(id, scope),
    deleteUser: async (user, scope) => (await opened()).deleteUser(user, scope),
  };
}
