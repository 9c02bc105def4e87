import { GatewayError, type Logger, type ObservabilityQueryService } from '@switchyard/shared';
import { unaryHandler, type GrpcHandlers, type MethodsOf } from '@switchyard/rpc';
import type { observabilityV1 } from '@switchyard/proto';
import { analyticsQueryFromProto, analyticsResultToProto, feedbackInputFromProto, feedbackRecordToProto } from './analytics-codec';

type AnalyticsMethods = Pick<MethodsOf<typeof observabilityV1.ObservabilityService>, 'getAnalytics' | 'recordFeedback'>;

/** The analytics and feedback handlers of the observability service. */
export function analyticsGrpcHandlers(service: ObservabilityQueryService, logger: Logger): GrpcHandlers<AnalyticsMethods> {
  return {
    getAnalytics: unaryHandler(async (request: observabilityV1.GetAnalyticsRequest, context) => {
      const query = analyticsQueryFromProto(request);
      const result = await supported(service.analytics?.bind(service))(query, context);
      return analyticsResultToProto(result, query.groupBy);
    }, logger),
    recordFeedback: unaryHandler(async (request: observabilityV1.RecordFeedbackRequest, context) => {
      return feedbackRecordToProto(await supported(service.recordFeedback?.bind(service))(feedbackInputFromProto(request), context));
    }, logger),
  };
}

function supported<T>(method: T | undefined): T {
  if (method === undefined) {
    throw new GatewayError('This observability service has no analytics.', { status: 501, errorClass: 'unavailable', code: 'analytics_unavailable' });
  }
  return method;
}
