import {
  requestCancelled,
  type CallContext,
  type ListRequestsQuery,
  type ObservabilityQueryService,
  type RequestPage,
  type RequestRecord,
  type UsageQuery,
  type UsageRow,
} from '@switchyard/shared';
import { EventQueries } from './query/event-queries';
import type { SqlExecutor } from '@switchyard/database';

/**
 * The query service over the event tables, in this process: what embedded
 * mode calls directly and what the observability gRPC server serves. A call
 * whose client has already gone is not run.
 */
export class LocalObservabilityService implements ObservabilityQueryService {
  private readonly queries: EventQueries;

  constructor(database: SqlExecutor) {
    this.queries = new EventQueries(database);
  }

  listRequests(query: ListRequestsQuery, context: CallContext): Promise<RequestPage> {
    return whileWanted(context, () => this.queries.listRequests(query));
  }

  getRequest(requestId: string, context: CallContext): Promise<RequestRecord | undefined> {
    return whileWanted(context, () => this.queries.getRequest(requestId));
  }

  usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]> {
    return whileWanted(context, () => this.queries.usage(query));
  }
}

async function whileWanted<T>(context: CallContext, query: () => Promise<T>): Promise<T> {
  if (context.signal.aborted) throw requestCancelled();
  return query();
}
