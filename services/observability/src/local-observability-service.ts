import type {
  CallContext,
  ListRequestsQuery,
  ObservabilityQueryService,
  RequestPage,
  RequestRecord,
  UsageQuery,
  UsageRow,
} from '@switchyard/shared';
import { EventQueries } from './query/event-queries';
import type { SqlExecutor } from './storage/sql-client';

/**
 * The query service over the event tables, in this process: what embedded
 * mode calls directly and what the observability gRPC server serves.
 */
export class LocalObservabilityService implements ObservabilityQueryService {
  private readonly queries: EventQueries;

  constructor(database: SqlExecutor) {
    this.queries = new EventQueries(database);
  }

  async listRequests(query: ListRequestsQuery, context: CallContext): Promise<RequestPage> {
    context.signal.throwIfAborted();
    return this.queries.listRequests(query);
  }

  async getRequest(requestId: string, context: CallContext): Promise<RequestRecord | undefined> {
    context.signal.throwIfAborted();
    return this.queries.getRequest(requestId);
  }

  async usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]> {
    context.signal.throwIfAborted();
    return this.queries.usage(query);
  }
}
