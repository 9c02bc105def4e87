// Re-exports of the code that buf generates from ../../proto into src/gen.
export * as chatV1 from './gen/switchyard/chat/v1/chat_pb';
export * as routerV1 from './gen/switchyard/router/v1/router_pb';
export * as adaptersV1 from './gen/switchyard/adapters/v1/adapters_pb';
export * as healthV1 from './gen/grpc/health/v1/health_pb';
export * as eventsV1 from './gen/switchyard/events/v1/events_pb';
export * as observabilityV1 from './gen/switchyard/observability/v1/observability_pb';
export * as semanticV1 from './gen/switchyard/semantic/v1/semantic_pb';
export * as otlpTraceV1 from './gen/opentelemetry/proto/trace/v1/trace_pb';
export * as otlpCommonV1 from './gen/opentelemetry/proto/common/v1/common_pb';
export * as otlpResourceV1 from './gen/opentelemetry/proto/resource/v1/resource_pb';
export * as otlpTraceCollectorV1 from './gen/opentelemetry/proto/collector/trace/v1/trace_service_pb';
