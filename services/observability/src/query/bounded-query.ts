import { randomUUID } from 'node:crypto';
import { GatewayError, requestCancelled } from '@switchyard/shared';
import type { SqlClient, SqlExecutor } from '@switchyard/database';

export interface QueryBounds {
  /** The query's `statement_timeout` on Postgres. */
  statementTimeoutMs: number;
}

/** Postgres' SQLSTATE for a statement cancelled by `statement_timeout` or `pg_cancel_backend`. */
const QUERY_CANCELED = '57014';

/**
 * Runs a read (one or several statements) so that it cannot outlive its
 * caller: on Postgres, in a transaction whose `statement_timeout` bounds
 * each statement and whose backend is cancelled (`pg_cancel_backend`) when
 * `signal` aborts; on PGlite, which runs one statement at a time in this
 * process, the result of a call whose caller has gone is dropped.
 */
export async function runBoundedQuery<T>(
  client: SqlClient,
  bounds: QueryBounds,
  signal: AbortSignal,
  work: (executor: SqlExecutor) => Promise<T>,
): Promise<T> {
  if (signal.aborted) throw requestCancelled();
  if (client.kind === 'pglite') return untilAborted(work(client), signal);
  return client.transaction(async (transaction) => {
    // A marker only this transaction carries: a cancel that arrives after it ended finds nothing to cancel.
    const marker = `switchyard-query-${randomUUID()}`;
    const [{ pid }] = await transaction.query<{ pid: number }>(
      `SELECT pg_backend_pid() AS pid, set_config('statement_timeout', $1, true), set_config('application_name', $2, true)`,
      [String(bounds.statementTimeoutMs), marker],
    );
    const cancel = () => {
      client
        .query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND application_name = $2', [pid, marker])
        .catch(() => undefined);
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      if (signal.aborted) throw requestCancelled();
      return await work(transaction);
    } catch (error) {
      if (signal.aborted) throw requestCancelled();
      if ((error as { code?: unknown }).code === QUERY_CANCELED) throw queryTimedOut(bounds.statementTimeoutMs);
      throw error;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  });
}

export function queryTimedOut(statementTimeoutMs: number): GatewayError {
  return new GatewayError(`The query ran longer than ${statementTimeoutMs} ms; narrow its time window or filters.`, {
    status: 504,
    errorClass: 'timeout',
    code: 'query_timeout',
  });
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(requestCancelled());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        if (signal.aborted) reject(requestCancelled());
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
