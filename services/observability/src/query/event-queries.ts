import type { eventsV1 } from '@switchyard/proto';
import type {
  AnalyticsQuery,
  AnalyticsResult,
  ListRequestsQuery,
  ListTracesQuery,
  RequestPage,
  RequestRecord,
  TracePage,
  TraceRecord,
  UsageQuery,
  UsageRow,
  WorkspaceScope,
} from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { getRequest, listCosts, listRequests } from './request-queries';
import { usage } from './usage-query';
import { getTrace, listTraces } from '../traces/trace-queries';
import { analytics } from './analytics-query';

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

  listCosts(requestId: string): Promise<eventsV1.CostRecorded[]> {
    return listCosts(this.executor, requestId);
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return usage(this.executor, query);
  }

  /** Within `scope` (absent: every workspace). */
  getTrace(traceId: string, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
    return getTrace(this.executor, traceId, scope);
  }

  listTraces(query: ListTracesQuery): Promise<TracePage> {
    return listTraces(this.executor, query);
  }

  analytics(query: AnalyticsQuery): Promise<AnalyticsResult> {
    return analytics(this.executor, query);
  }
}
