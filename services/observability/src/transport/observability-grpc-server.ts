import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { invalidRequest, type Logger, type ObservabilityQueryService } from '@switchyard/shared';
import { grpcServiceDefinition, unaryHandler, type GrpcHandlers, type GrpcServiceRegistration, type MethodsOf } from '@switchyard/rpc';
import { observabilityV1 } from '@switchyard/proto';
import {
  deletedUserDataToProto,
  requestFilterFromProto,
  usageGroupingFromProto,
  usageRowToProto,
  workspaceScopeFromProto,
} from './observability-codec';
import { alertHistoryEntryToProto, alertRuleStatusToProto } from './alert-codec';
import { traceSummaryToProto, traceToProto } from './trace-codec';
import { analyticsGrpcHandlers } from './analytics-grpc-handlers';

export const observabilityServiceDefinition = grpcServiceDefinition(observabilityV1.ObservabilityService);

/** gRPC handlers for `switchyard.observability.v1.ObservabilityService` over any ObservabilityQueryService. */
export function observabilityGrpcHandlers(
  service: ObservabilityQueryService,
  logger: Logger,
): GrpcHandlers<MethodsOf<typeof observabilityV1.ObservabilityService>> {
  return {
    listRequests: unaryHandler(async (request: observabilityV1.ListRequestsRequest, context) => {
      const page = await service.listRequests(
        {
          filter: requestFilterFromProto(request.filter),
          scope: workspaceScopeFromProto(request.scope),
          limit: request.limit || undefined,
          cursor: request.cursor || undefined,
        },
        context,
      );
      return create(observabilityV1.ListRequestsResponseSchema, { requests: page.requests, nextCursor: page.nextCursor ?? '' });
    }, logger),
    getRequest: unaryHandler(async (request: observabilityV1.GetRequestRequest, context) => {
      const record = await service.getRequest(request.requestId, context, workspaceScopeFromProto(request.scope));
      return create(observabilityV1.GetRequestResponseSchema, { request: record });
    }, logger),
    getUsage: unaryHandler(async (request: observabilityV1.GetUsageRequest, context) => {
      const groupBy = usageGroupingFromProto(request.groupBy);
      if (!groupBy) throw invalidRequest('group_by is missing or unknown.', 'group_by');
      const rows = await service.usage(
        { filter: requestFilterFromProto(request.filter), groupBy, scope: workspaceScopeFromProto(request.scope) },
        context,
      );
      return create(observabilityV1.GetUsageResponseSchema, { rows: rows.map(usageRowToProto) });
    }, logger),
    deleteUserData: unaryHandler(async (request: observabilityV1.DeleteUserDataRequest, context) => {
      // A deletion never defaults to every workspace: the caller names its scope.
      const scope = workspaceScopeFromProto(request.scope);
      if (!scope) throw invalidRequest('scope is required.', 'scope');
      if (!request.user) throw invalidRequest('user is required.', 'user');
      return deletedUserDataToProto(await service.deleteUserData({ user: request.user, scope }, context));
    }, logger),
    listAlertRules: unaryHandler(async (request: observabilityV1.ListAlertRulesRequest, context) => {
      const scope = workspaceScopeFromProto(request.scope);
      if (!scope) throw invalidRequest('scope is required.', 'scope');
      const rules = (await service.listAlertRules?.(scope, context)) ?? [];
      return create(observabilityV1.ListAlertRulesResponseSchema, { rules: rules.map(alertRuleStatusToProto) });
    }, logger),
    listAlertHistory: unaryHandler(async (request: observabilityV1.ListAlertHistoryRequest, context) => {
      const scope = workspaceScopeFromProto(request.scope);
      if (!scope) throw invalidRequest('scope is required.', 'scope');
      if (request.limit > 1000) throw invalidRequest('limit must be at most 1000.', 'limit');
      const entries =
        (await service.alertHistory?.(
          {
            from: request.from && timestampDate(request.from),
            to: request.to && timestampDate(request.to),
            rule: request.rule || undefined,
            limit: request.limit || undefined,
            scope,
          },
          context,
        )) ?? [];
      return create(observabilityV1.ListAlertHistoryResponseSchema, { entries: entries.map(alertHistoryEntryToProto) });
    }, logger),
    ...traceGrpcHandlers(service, logger),
    ...analyticsGrpcHandlers(service, logger),
  };
}

/** The trace RPCs. */
function traceGrpcHandlers(
  service: ObservabilityQueryService,
  logger: Logger,
): Pick<GrpcHandlers<MethodsOf<typeof observabilityV1.ObservabilityService>>, 'getTrace' | 'listTraces'> {
  return {
    getTrace: unaryHandler(async (request: observabilityV1.GetTraceRequest, context) => {
      const trace = await service.getTrace(request.traceId, context, workspaceScopeFromProto(request.scope));
      return create(observabilityV1.GetTraceResponseSchema, { trace: trace && traceToProto(trace) });
    }, logger),
    listTraces: unaryHandler(async (request: observabilityV1.ListTracesRequest, context) => {
      const page = await service.listTraces(
        {
          scope: workspaceScopeFromProto(request.scope),
          ...(request.sessionId && { sessionId: request.sessionId }),
          ...(request.user && { user: request.user }),
          ...(request.from && { from: timestampDate(request.from) }),
          ...(request.to && { to: timestampDate(request.to) }),
          ...(request.limit && { limit: request.limit }),
          ...(request.cursor && { cursor: request.cursor }),
        },
        context,
      );
      return create(observabilityV1.ListTracesResponseSchema, { traces: page.traces.map(traceSummaryToProto), nextCursor: page.nextCursor ?? '' });
    }, logger),
  };
}

/** The query service, ready for `startGrpcServer({ services: [...] })`. */
export function observabilityGrpcService(service: ObservabilityQueryService, logger: Logger): GrpcServiceRegistration {
  return { definition: observabilityServiceDefinition, implementation: observabilityGrpcHandlers(service, logger) };
}
