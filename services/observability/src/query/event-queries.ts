import type { ListRequestsQuery, RequestPage, RequestRecord, UsageQuery, UsageRow, WorkspaceScope } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { getRequest, listRequests } from './request-queries';
import { usage } from './usage-query';

/** The read queries over the event tables, on one database. */
export class EventQueries {
  constructor(private readonly executor: SqlExecutor) {}

  listRequests(query: ListRequestsQuery): Promise<RequestPage> {
    return listRequests(this.executor, query);
  }

  /** Within `scope` (absent: every workspace). */
  getRequest(requestId: string, scope?: WorkspaceScope): Promise<RequestRecord | undefined> {
    return getRequest(this.executor, requestId, scope);
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return usage(this.executor, query);
  }
}
