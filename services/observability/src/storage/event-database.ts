import type { Logger } from '@switchyard/shared';
import { EventQueries } from '../query/event-queries';
import { PostgresDeadLetterStore } from './dead-letter-store';
import { PostgresEventStore } from './event-store';
import { createSchema, runMigrations } from './run-migrations';
import { createPgliteClient, createPostgresClient, type SqlClient } from '@switchyard/database';

export type EventDatabaseOptions =
  | {
      /** `postgres://user:password@host:port/database` */
      postgresUrl: string;
      /** Schema for the tables (letters, digits, underscores), created when missing; default: the server's search_path (`public`). */
      schema?: string;
      /** Connections in the pool; default 4. */
      poolSize?: number;
      logger?: Logger;
    }
  | {
      /** PGlite: a directory to keep the database in, created when missing; absent or `memory://`: in memory. */
      pgliteDataDir?: string;
    };

/** The event tables of one database: where consumers write, what queries read. */
export interface EventDatabase {
  client: SqlClient;
  store: PostgresEventStore;
  /** Events a sink refused for their content (the `dead_letters` table). */
  deadLetters: PostgresDeadLetterStore;
  queries: EventQueries;
  close(): Promise<void>;
}

/** Connects (or starts PGlite) and applies pending migrations before resolving. */
export async function openEventDatabase(options: EventDatabaseOptions): Promise<EventDatabase> {
  const client =
    'postgresUrl' in options
      ? createPostgresClient({ url: options.postgresUrl, schema: options.schema, poolSize: options.poolSize, logger: options.logger })
      : await createPgliteClient({ dataDir: options.pgliteDataDir });
  try {
    if ('postgresUrl' in options && options.schema !== undefined) await createSchema(client, options.schema);
    await runMigrations(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    client,
    store: new PostgresEventStore(client),
    deadLetters: new PostgresDeadLetterStore(client),
    queries: new EventQueries(client),
    close: () => client.close(),
  };
}
