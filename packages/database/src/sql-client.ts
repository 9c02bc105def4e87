import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@switchyard/shared';
import { DataDirectoryLock } from './data-directory-lock';
import { PgliteThread } from './pglite-thread';

/**
 * A database as stores, migrations and queries see it.
 * Two implementations run the same SQL: one over a pool of connections to a
 * Postgres server, one over PGlite (Postgres compiled to WebAssembly, in
 * memory or in a data directory).
 *
 * Values come back as each driver parses them: `timestamptz` as `Date`,
 * `jsonb` as objects, `float8` and `int4` as numbers; `int8` and `numeric`
 * differ (strings from `pg`, numbers from PGlite), so readers pass them
 * through `Number()` or select them as text.
 */
export interface SqlExecutor {
  /** One statement, with `$1`, `$2`, ... bound to `params`. */
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements separated by semicolons, without parameters (a migration). */
  exec(script: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back
   * when it rejects (the rejection is passed on). Statements must go through
   * the executor handed to `work`.
   */
  transaction<T>(work: (transaction: SqlExecutor) => Promise<T>): Promise<T>;
  /** Waits for what is running, then releases the connections (or stops PGlite). */
  close(): Promise<void>;
}

export interface PostgresClientOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /**
   * Schema the tables live in (the connection's `search_path`): letters,
   * digits and underscores; it must exist. Default: the server's
   * `search_path`, normally `public`.
   */
  schema?: string;
  /** Connections in the pool; default 4. */
  poolSize?: number;
  /** Told about a pooled connection that broke while idle (the pool replaces it). */
  logger?: Logger;
  /** Shown in `pg_stat_activity`; default `switchyard`. */
  applicationName?: string;
}

export function createPostgresClient(options: PostgresClientOptions): SqlClient {
  if (options.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.schema)) {
    throw new Error(`The schema name ${JSON.stringify(options.schema)} may hold only letters, digits and underscores.`);
  }
  // The driver is loaded here, not with this module: the one-process mode imports this package for
  // PGlite and should not pay for loading `pg` as well. No connection is made before the first statement.
  const pool = import('pg').then(({ Pool }) => {
    const created = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 4,
      application_name: options.applicationName ?? 'switchyard',
      ...(options.schema === undefined ? {} : { options: `-c search_path=${quoteIdentifier(options.schema)}` }),
    });
    // Without a listener, an idle connection that breaks would crash the process.
    created.on('error', (error) => options.logger?.warn({ err: error }, 'postgres-connection-lost'));
    return created;
  });
  return new PostgresSqlClient(pool);
}

export interface PgliteClientOptions {
  /**
   * A directory to keep the database in, created (with its parents) when
   * missing; a relative path is relative to the working directory. Absent
   * or `memory://`: in memory, gone on close.
   */
  dataDir?: string;
}

/** Starts PGlite on its own thread; resolves once it accepts statements. */
export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const { dataDir } = options;
  if (dataDir === undefined || dataDir === MEMORY_DATA_DIR) return new PgliteSqlClient(await PgliteThread.start(undefined));
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true });
  const lock = DataDirectoryLock.acquire(directory);
  try {
    return new PgliteSqlClient(await PgliteThread.start(directory), lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

const MEMORY_DATA_DIR = 'memory://';

/** `"name"`, with any `"` doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class PostgresSqlClient implements SqlClient {
  readonly kind = 'postgres';

  constructor(private readonly pool: Promise<Pool>) {}

  async query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await (await this.pool).query(text, params as unknown[])).rows as Row[];
  }

  async exec(script: string): Promise<void> {
    // Without parameters `pg` uses the simple query protocol, which accepts several statements.
    await (await this.pool).query(script);
  }

  async transaction<T>(work: (transaction: SqlExecutor) => Promise<T>): Promise<T> {
    const connection = await (await this.pool).connect();
    let broken: Error | undefined;
    // While a connection is checked out the pool does not listen for its errors, and an
    // 'error' event nobody listens to (the server went away) would crash the process.
    // The statement in flight fails with the same error; the connection is then discarded.
    const onError = (error: Error) => (broken = error);
    connection.on('error', onError);
    try {
      await connection.query('BEGIN');
      try {
        const result = await work(connectionExecutor(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      }
    } finally {
      connection.removeListener('error', onError);
      // A connection that broke or could not roll back is closed rather than reused.
      connection.release(broken);
    }
  }

  async close(): Promise<void> {
    await (await this.pool).end();
  }
}

function connectionExecutor(connection: PoolClient): SqlExecutor {
  return {
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) =>
      (await connection.query(text, params as unknown[])).rows as Row[],
    exec: async (script) => {
      await connection.query(script);
    },
  };
}

/**
 * PGlite is one connection: statements run one at a time, in the order they
 * were called, and a transaction holds the connection from BEGIN until it
 * ends, so a statement called meanwhile waits rather than landing inside it.
 */
class PgliteSqlClient implements SqlClient {
  readonly kind = 'pglite';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly thread: PgliteThread,
    /** Held while a data directory is open; none in memory. */
    private readonly lock?: DataDirectoryLock,
  ) {}

  query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.enqueue(() => this.thread.query<Row>(text, params));
  }

  exec(script: string): Promise<void> {
    return this.enqueue(() => this.thread.exec(script));
  }

  transaction<T>(work: (transaction: SqlExecutor) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      let open = true;
      const whileOpen = <R>(run: () => Promise<R>): Promise<R> =>
        open ? run() : Promise.reject(new Error('The transaction has ended; run statements inside it.'));
      const executor: SqlExecutor = {
        query: <Row extends object>(text: string, params: readonly unknown[] = []) => whileOpen(() => this.thread.query<Row>(text, params)),
        exec: (script) => whileOpen(() => this.thread.exec(script)),
      };
      await this.thread.exec('BEGIN');
      try {
        const result = await work(executor);
        await this.thread.exec('COMMIT');
        return result;
      } catch (error) {
        // The statement's error is the one worth reporting, not a failed rollback's.
        await this.thread.exec('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        open = false;
      }
    });
  }

  async close(): Promise<void> {
    await this.enqueue(() => this.thread.stop());
    this.lock?.release();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
