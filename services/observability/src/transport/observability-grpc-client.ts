import {
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
  type WorkspaceScope,
  type ListRequestsQuery,
  type ObservabilityQueryService,
  type RequestPage,
  type RequestRecord,
  type UsageQuery,
  type UsageRow,
  type ListTracesQuery,
  type TracePage,
  type TraceRecord,
} from '@switchyard/shared';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { GrpcServiceClient, type GrpcClientOptions, type MethodsOf } from '@switchyard/rpc';
import { observabilityV1 } from '@switchyard/proto';
import {
  deletedUserDataFromProto,
  requestFilterToProto,
  usageGroupingToProto,
  usageRowFromProto,
  workspaceScopeToProto,
} from './observability-codec';
import { alertHistoryEntryFromProto, alertRuleStatusFromProto } from './alert-codec';
import { traceFromProto, traceSummaryFromProto } from './trace-codec';
import { analyticsQueryToProto, analyticsResultFromProto, feedbackInputToProto, feedbackRecordFromProto } from './analytics-codec';

/** The observability service's queries, called over gRPC. */
export class ObservabilityGrpcClient implements ObservabilityQueryService {
  private readonly client: GrpcServiceClient<MethodsOf<typeof observabilityV1.ObservabilityService>>;

  constructor(options: GrpcClientOptions) {
    this.client = new GrpcServiceClient(observabilityV1.ObservabilityService, options);
  }

  async listRequests(query: ListRequestsQuery, context: CallContext): Promise<RequestPage> {
    const response = await this.client.unary(
      'listRequests',
      {
        filter: requestFilterToProto(query.filter),
        limit: query.limit ?? 0,
        cursor: query.cursor ?? '',
        scope: query.scope && workspaceScopeToProto(query.scope),
      },
      context,
    );
    return { requests: response.requests, ...(response.nextCursor && { nextCursor: response.nextCursor }) };
  }

  async getRequest(requestId: string, context: CallContext, scope?: WorkspaceScope): Promise<RequestRecord | undefined> {
    return (await this.client.unary('getRequest', { requestId, scope: scope && workspaceScopeToProto(scope) }, context)).request;
  }

  async usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]> {
    const response = await this.client.unary(
      'getUsage',
      {
        filter: requestFilterToProto(query.filter),
        groupBy: usageGroupingToProto(query.groupBy),
        scope: query.scope && workspaceScopeToProto(query.scope),
      },
      context,
    );
    return response.rows.map(usageRowFromProto);
  }

  async deleteUserData(query: DeleteUserDataQuery, context: CallContext): Promise<DeletedUserData> {
    const response = await this.client.unary('deleteUserData', { user: query.user, scope: workspaceScopeToProto(query.scope) }, context);
    return deletedUserDataFromProto(response);
  }

  async listAlertRules(scope: WorkspaceScope, context: CallContext): Promise<AlertRuleStatus[]> {
    const response = await this.client.unary('listAlertRules', { scope: workspaceScopeToProto(scope) }, context);
    return response.rules.map(alertRuleStatusFromProto);
  }

  async alertHistory(query: AlertHistoryQuery, context: CallContext): Promise<AlertHistoryEntry[]> {
    const response = await this.client.unary(
      'listAlertHistory',
      {
        from: query.from && timestampFromDate(query.from),
        to: query.to && timestampFromDate(query.to),
        rule: query.rule ?? '',
        limit: query.limit ?? 0,
        scope: workspaceScopeToProto(query.scope),
      },
      context,
    );
    return response.entries.map(alertHistoryEntryFromProto);
  }

  async getTrace(traceId: string, context: CallContext, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
    const response = await this.client.unary('getTrace', { traceId, scope: scope && workspaceScopeToProto(scope) }, context);
    return response.trace && traceFromProto(response.trace);
  }

  async listTraces(query: ListTracesQuery, context: CallContext): Promise<TracePage> {
    const response = await this.client.unary(
      'listTraces',
      {
        scope: query.scope && workspaceScopeToProto(query.scope),
        sessionId: query.sessionId ?? '',
        user: query.user ?? '',
        from: query.from && timestampFromDate(query.from),
        to: query.to && timestampFromDate(query.to),
        limit: query.limit ?? 0,
        cursor: query.cursor ?? '',
      },
      context,
    );
    return { traces: response.traces.map(traceSummaryFromProto), ...(response.nextCursor && { nextCursor: response.nextCursor }) };
  }

  // Analytics and feedback.
  async analytics(query: AnalyticsQuery, context: CallContext): Promise<AnalyticsResult> {
    return analyticsResultFromProto(await this.client.unary('getAnalytics', analyticsQueryToProto(query), context), query.groupBy);
  }

  async recordFeedback(input: FeedbackInput, context: CallContext): Promise<FeedbackRecord | undefined> {
    return feedbackRecordFromProto(await this.client.unary('recordFeedback', feedbackInputToProto(input), context));
  }

  close(): void {
    this.client.close();
  }
}
