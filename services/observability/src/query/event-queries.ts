import type { eventsV1 } from '@switchyard/proto';
import type {
  AnalyticsQuery,
  AnalyticsResult,
  ListRequestsQuery,
  RequestPage,
  RequestRecord,
  ListTracesQuery,
  TracePage,
  TraceRecord,
  UsageQuery,
  UsageRow,
  WorkspaceScope,
} from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { getRequest, listRequests } from './request-queries';
import { usage } from './usage-query';
import { analytics } from './analytics-query';
import { getTrace, listTraces } from '../traces/trace-queries';

/** The read queries over the event tables, on one database. */
export class EventQueries {
  constructor(private readonly executor: SqlExecutor) {}

  /** `cold`: records read back from cold storage, queried with the table's. */
  listRequests(query: ListRequestsQuery, cold?: readonly eventsV1.RequestCompleted[]): Promise<RequestPage> {
    return listRequests(this.executor, query, undefined, cold);
  }

  /** Within `scope` (absent: every workspace). */
  getRequest(requestId: string, scope?: WorkspaceScope, cold?: readonly eventsV1.RequestCompleted[]): Promise<RequestRecord | undefined> {
    return getRequest(this.executor, requestId, scope, cold);
  }

  usage(query: UsageQuery, cold?: readonly eventsV1.RequestCompleted[]): Promise<UsageRow[]> {
    return usage(this.executor, query, cold);
  }

  analytics(query: AnalyticsQuery): Promise<AnalyticsResult> {
    return analytics(this.executor, query);
  }

  /** Within `scope` (absent: every workspace). */
  getTrace(traceId: string, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
    return getTrace(this.executor, traceId, scope);
  }

  listTraces(query: ListTracesQuery): Promise<TracePage> {
    return listTraces(this.executor, query);
  }
}
