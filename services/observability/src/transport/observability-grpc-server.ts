import { create } from '@bufbuild/protobuf';
import { invalidRequest, type Logger, type ObservabilityQueryService } from '@switchyard/shared';
import { grpcServiceDefinition, unaryHandler, type GrpcHandlers, type GrpcServiceRegistration, type MethodsOf } from '@switchyard/rpc';
import { observabilityV1 } from '@switchyard/proto';
import { requestFilterFromProto, usageGroupingFromProto, usageRowToProto } from './observability-codec';

export const observabilityServiceDefinition = grpcServiceDefinition(observabilityV1.ObservabilityService);

/** gRPC handlers for `switchyard.observability.v1.ObservabilityService` over any ObservabilityQueryService. */
export function observabilityGrpcHandlers(
  service: ObservabilityQueryService,
  logger: Logger,
): GrpcHandlers<MethodsOf<typeof observabilityV1.ObservabilityService>> {
  return {
    listRequests: unaryHandler(async (request: observabilityV1.ListRequestsRequest, context) => {
      const page = await service.listRequests(
        { filter: requestFilterFromProto(request.filter), limit: request.limit || undefined, cursor: request.cursor || undefined },
        context,
      );
      return create(observabilityV1.ListRequestsResponseSchema, { requests: page.requests, nextCursor: page.nextCursor ?? '' });
    }, logger),
    getRequest: unaryHandler(async (request: observabilityV1.GetRequestRequest, context) => {
      const record = await service.getRequest(request.requestId, context);
      return create(observabilityV1.GetRequestResponseSchema, { request: record });
    }, logger),
    getUsage: unaryHandler(async (request: observabilityV1.GetUsageRequest, context) => {
      const groupBy = usageGroupingFromProto(request.groupBy);
      if (!groupBy) throw invalidRequest('group_by is missing or unknown.', 'group_by');
      const rows = await service.usage({ filter: requestFilterFromProto(request.filter), groupBy }, context);
      return create(observabilityV1.GetUsageResponseSchema, { rows: rows.map(usageRowToProto) });
    }, logger),
  };
}

/** The query service, ready for `startGrpcServer({ services: [...] })`. */
export function observabilityGrpcService(service: ObservabilityQueryService, logger: Logger): GrpcServiceRegistration {
  return { definition: observabilityServiceDefinition, implementation: observabilityGrpcHandlers(service, logger) };
}
