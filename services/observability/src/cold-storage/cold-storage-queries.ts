import {
  GatewayError,
  invalidRequest,
  requestCancelled,
  type DeleteUserDataQuery,
  type RequestFilter,
  type WorkspaceScope,
} from '@switchyard/shared';
import type { eventsV1 } from '@switchyard/proto';
import type { SqlClient, SqlExecutor } from '@switchyard/database';
import { SqlParameters, filterConditions, scopeConditions, whereClause } from '../query/request-filter';
import { decodeColdObject, sha256Hex } from './cold-object-format';
import { deleteColdUserRecords } from './delete-cold-user-records';
import type { ObjectStore } from './object-store';

/** Objects fetched at the same time for one query. */
const FETCH_CONCURRENCY = 4;

/** What the query service asks of cold storage: the exported records a query reaches. */
export interface ColdRecordSource {
  /** The exported records that may match `filter` within `scope`: those of the objects its time range and workspaces reach. */
  requestsFor(
    executor: SqlExecutor,
    filter: RequestFilter,
    scope: WorkspaceScope | undefined,
    signal: AbortSignal,
  ): Promise<eventsV1.RequestCompleted[]>;
  /** The exported records of one request id within `scope`. */
  requestsWithId(
    executor: SqlExecutor,
    requestId: string,
    scope: WorkspaceScope | undefined,
    signal: AbortSignal,
  ): Promise<eventsV1.RequestCompleted[]>;
  /** Deletes one end user's exported records in the query's workspaces; returns how many. */
  deleteUserRecords(client: SqlClient, query: DeleteUserDataQuery): Promise<number>;
}

interface ListedObject {
  object_key: string;
  sha256: string;
  records: string | number;
}

/**
 * What the query service does with cold storage: reads exported records
 * back from the objects `cold_storage_objects` lists (never from a bucket
 * listing: an object whose export did not commit is not there), each checked
 * against its SHA-256 before it is decoded, and deletes an end user's. A
 * query whose objects hold more than `maxRecordsPerQuery` records is a 400
 * asking for a narrower time range.
 */
export class ColdStorageQueries implements ColdRecordSource {
  /**
   * Objects read lately, by key and SHA-256 (an object is never changed under its key: a rewrite gets a
   * new one), so paging through exported records does not fetch the same objects for every page. Holds
   * up to `maxRecordsPerQuery` records; the least recently used go first.
   */
  private readonly recent = new Map<string, eventsV1.RequestCompleted[]>();
  private recentRecords = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: { maxRecordsPerQuery: number },
  ) {}

  async requestsFor(
    executor: SqlExecutor,
    filter: RequestFilter,
    scope: WorkspaceScope | undefined,
    signal: AbortSignal,
  ): Promise<eventsV1.RequestCompleted[]> {
    // A filter the query would refuse (a time out of range, an unknown status) is refused here first, the same way.
    filterConditions(filter, new SqlParameters());
    const parameters = new SqlParameters();
    const conditions = scopeConditions(scope, parameters);
    if (filter.workspace !== undefined) conditions.push(`workspace = ${parameters.add(filter.workspace)}`);
    if (filter.from !== undefined) conditions.push(`last_occurred_at >= ${parameters.add(filter.from.toISOString())}::timestamptz`);
    if (filter.to !== undefined) conditions.push(`first_occurred_at < ${parameters.add(filter.to.toISOString())}::timestamptz`);
    const objects = await executor.query<ListedObject>(
      `SELECT object_key, sha256, records FROM cold_storage_objects ${whereClause(conditions)} ORDER BY object_key`,
      parameters.values,
    );
    const total = objects.reduce((sum, object) => sum + Number(object.records), 0);
    if (total > this.options.maxRecordsPerQuery) {
      throw invalidRequest(
        `The time range reaches ${total} records in cold storage, more than one query reads (${this.options.maxRecordsPerQuery}); narrow it with \`from\` and \`to\`.`,
        'from',
      );
    }
    const fromMs = filter.from?.getTime() ?? -Infinity;
    const toMs = filter.to?.getTime() ?? Infinity;
    // Whole objects are read; only the records within the range go on to the query.
    const events = await this.read(objects, signal);
    return events.filter((event) => {
      const ms = occurredMs(event);
      return ms >= fromMs - 1 && ms < toMs + 1;
    });
  }

  async requestsWithId(
    executor: SqlExecutor,
    requestId: string,
    scope: WorkspaceScope | undefined,
    signal: AbortSignal,
  ): Promise<eventsV1.RequestCompleted[]> {
    const parameters = new SqlParameters();
    const conditions = [
      `object_key IN (SELECT object_key FROM cold_storage_request_ids WHERE request_id = ${parameters.add(requestId)})`,
      ...scopeConditions(scope, parameters),
    ];
    const objects = await executor.query<ListedObject>(
      `SELECT object_key, sha256, records FROM cold_storage_objects ${whereClause(conditions)} ORDER BY object_key`,
      parameters.values,
    );
    return (await this.read(objects, signal)).filter((event) => event.requestId === requestId);
  }

  deleteUserRecords(client: SqlClient, query: DeleteUserDataQuery): Promise<number> {
    return deleteColdUserRecords(client, this.store, query);
  }

  private async read(objects: readonly ListedObject[], signal: AbortSignal): Promise<eventsV1.RequestCompleted[]> {
    const results: eventsV1.RequestCompleted[][] = objects.map(() => []);
    let next = 0;
    const worker = async () => {
      while (next < objects.length) {
        const index = next++;
        results[index] = await this.readObject(objects[index], signal);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, objects.length) }, worker));
    } catch (error) {
      if (signal.aborted) throw requestCancelled();
      throw new GatewayError(`Records in cold storage could not be read back: ${(error as Error).message}`, {
        status: 503,
        errorClass: 'unavailable',
        code: 'cold_storage_unavailable',
        cause: error,
      });
    }
    return results.flat();
  }

  private async readObject(object: ListedObject, signal: AbortSignal): Promise<eventsV1.RequestCompleted[]> {
    const cacheKey = `${object.object_key}\n${object.sha256}`;
    const cached = this.recent.get(cacheKey);
    if (cached !== undefined) {
      this.recent.delete(cacheKey);
      this.recent.set(cacheKey, cached);
      return cached;
    }
    const body = await this.store.get(object.object_key, signal);
    if (sha256Hex(body) !== object.sha256) {
      throw new Error(`The cold storage object ${object.object_key} does not match the SHA-256 recorded when it was exported.`);
    }
    const events = await decodeColdObject(body);
    this.recent.set(cacheKey, events);
    this.recentRecords += events.length;
    for (const [key, held] of this.recent) {
      if (this.recentRecords <= this.options.maxRecordsPerQuery) break;
      this.recent.delete(key);
      this.recentRecords -= held.length;
    }
    return events;
  }
}

function occurredMs(event: eventsV1.RequestCompleted): number {
  const time = event.occurredAt;
  return time === undefined ? 0 : Number(time.seconds) * 1000 + time.nanos / 1_000_000;
}
