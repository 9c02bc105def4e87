import {
  requestCancelled,
  type AlertHistoryEntry,
  type AlertHistoryQuery,
  type AlertRuleStatus,
  type AnalyticsQuery,
  type AnalyticsResult,
  type CallContext,
  type DeleteUserDataQuery,
  type DeletedUserData,
  type FeedbackInput,
  type FeedbackRecord,
  type ListRequestsQuery,
  type ListTracesQuery,
  type TracePage,
  type TraceRecord,
  type ObservabilityQueryService,
  type RequestPage,
  type RequestRecord,
  type UsageQuery,
  type UsageRow,
  type WorkspaceScope,
} from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { deleteUserData } from './privacy/delete-user-data';
import { recordFeedback } from './feedback/record-feedback';
import { runBoundedQuery, type QueryBounds } from './query/bounded-query';
import { EventQueries } from './query/event-queries';
import { listHistory, listRuleStatuses } from './alerts/alert-store';

/** Each query's `statement_timeout` when none is configured (`observability.queries.statementTimeoutMs`). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * The query service over the event tables, in this process: what embedded
 * mode calls directly and what the observability gRPC server serves. A call
 * whose client has already gone is not run; one whose client goes while it
 * runs is cancelled on Postgres, and its result dropped on PGlite.
 */
export class LocalObservabilityService implements ObservabilityQueryService {
  private readonly bounds: QueryBounds;

  constructor(
    private readonly client: SqlClient,
    bounds: Partial<QueryBounds> = {},
  ) {
    this.bounds = { statementTimeoutMs: bounds.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS };
  }

  listRequests(query: ListRequestsQuery, context: CallContext): Promise<RequestPage> {
    return this.bounded(context, (queries) => queries.listRequests(query));
  }

  getRequest(requestId: string, context: CallContext, scope?: WorkspaceScope): Promise<RequestRecord | undefined> {
    return this.bounded(context, (queries) => queries.getRequest(requestId, scope));
  }

  usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]> {
    return this.bounded(context, (queries) => queries.usage(query));
  }

  /** Not cancelled with its caller: a deletion, once begun, completes (or rolls back) as a whole. */
  async deleteUserData(query: DeleteUserDataQuery, context: CallContext): Promise<DeletedUserData> {
    if (context.signal.aborted) throw requestCancelled();
    return deleteUserData(this.client, query);
  }

  listAlertRules(scope: WorkspaceScope, context: CallContext): Promise<AlertRuleStatus[]> {
    return runBoundedQuery(this.client, this.bounds, context.signal, (executor) => listRuleStatuses(executor, scope));
  }

  alertHistory(query: AlertHistoryQuery, context: CallContext): Promise<AlertHistoryEntry[]> {
    return runBoundedQuery(this.client, this.bounds, context.signal, (executor) => listHistory(executor, query));
  }

  getTrace(traceId: string, context: CallContext, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
    return this.bounded(context, (queries) => queries.getTrace(traceId, scope));
  }

  listTraces(query: ListTracesQuery, context: CallContext): Promise<TracePage> {
    return this.bounded(context, (queries) => queries.listTraces(query));
  }

  analytics(query: AnalyticsQuery, context: CallContext): Promise<AnalyticsResult> {
    return this.bounded(context, (queries) => queries.analytics(query));
  }

  /** Not cancelled with its caller once begun: the score is stored or not, as a whole. */
  async recordFeedback(input: FeedbackInput, context: CallContext): Promise<FeedbackRecord | undefined> {
    if (context.signal.aborted) throw requestCancelled();
    return recordFeedback(this.client, input);
  }

  private bounded<T>(context: CallContext, run: (queries: EventQueries) => Promise<T>): Promise<T> {
    return runBoundedQuery(this.client, this.bounds, context.signal, (executor) => run(new EventQueries(executor)));
  }
}
