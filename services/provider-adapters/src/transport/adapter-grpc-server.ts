import {
  internalError,
  type ChatRequest,
  type DiscoveredModelSource,
  type ExecutionReport,
  type Logger,
  type NativeStreamEvent,
  type PlanExecutor,
  type ProviderAdapterService,
  type StreamPart,
} from '@switchyard/shared';
import {
  chatRequestFromProto,
  chatResponseToProto,
  deploymentFromProto,
  embeddingRequestFromProto,
  embeddingResponseToProto,
  executionPlanFromProto,
  executionReportToProto,
  grpcServiceDefinition,
  serverStreamingHandler,
  streamPartToProto,
  transcriptionRequestFromProto,
  transcriptionResponseToProto,
  unaryHandler,
  type GrpcHandlers,
  type GrpcServiceRegistration,
  type MethodsOf,
} from '@switchyard/rpc';
import { adaptersV1 } from '@switchyard/proto';
import { LocalPlanExecutor } from '../execution/local-plan-executor';

export const adapterServiceDefinition = grpcServiceDefinition(adaptersV1.ProviderAdapterService);

/**
 * gRPC handlers for `switchyard.adapters.v1.ProviderAdapterService` that call
 * any ProviderAdapterService. StreamComplete writes each part as it comes and
 * aborts the adapter's signal when the caller cancels. The `Execute*` RPCs run
 * whole plans with `planExecutor` (one over `adapters` with the default
 * policy unless given); a failure's report goes back in the trailer.
 */
export function adapterGrpcHandlers(
  adapters: ProviderAdapterService & Partial<DiscoveredModelSource>,
  logger: Logger,
  planExecutor: PlanExecutor = new LocalPlanExecutor(adapters),
): GrpcHandlers<MethodsOf<typeof adaptersV1.ProviderAdapterService>> {
  return {
    execute: unaryHandler(async (message: adaptersV1.ExecuteRequest, context) => {
      const { response, report } = await planExecutor.complete(plan(message), chatRequest(message), context);
      return { response: chatResponseToProto(response), report: executionReportToProto(report) };
    }, logger),
    executeStream: serverStreamingHandler(
      async (message: adaptersV1.ExecuteStreamRequest, context) => {
        const { parts, report, final } = await planExecutor.stream(plan(message), chatRequest(message), context);
        return streamEvents(parts, report, final);
      },
      (event: StreamEvent) =>
        event.kind === 'part'
          ? { event: { case: 'part', value: streamPartToProto(event.part) } }
          : { event: { case: event.kind, value: executionReportToProto(event.report) } },
      logger,
    ),
    executeEmbed: unaryHandler(async (message: adaptersV1.ExecuteEmbedRequest, context) => {
      if (message.request === undefined) throw internalError('ExecuteEmbedRequest without a request.');
      const { response, report } = await planExecutor.embed(plan(message), embeddingRequestFromProto(message.request), context);
      return { response: embeddingResponseToProto(response), report: executionReportToProto(report) };
    }, logger),
    executeResponses: unaryHandler(async (message: adaptersV1.ExecuteResponsesRequest, context) => {
      const { response, report } = await nativePlanExecutor(planExecutor).respond(plan(message), responsesBody(message), context);
      return { responseJson: JSON.stringify(response), report: executionReportToProto(report) };
    }, logger),
    executeResponsesStream: serverStreamingHandler(
      async (message: adaptersV1.ExecuteResponsesStreamRequest, context) => {
        const { events, report, final } = await nativePlanExecutor(planExecutor).streamRespond(plan(message), responsesBody(message), context);
        return committedEvents(events, report, final);
      },
      (event: CommittedEvent<NativeStreamEvent>) =>
        event.kind === 'item'
          ? { event: { case: 'upstreamEvent', value: { ...(event.item.event !== undefined && { event: event.item.event }), data: event.item.data } } }
          : { event: { case: event.kind, value: executionReportToProto(event.report) } },
      logger,
    ),
    executeTranscribe: unaryHandler(async (message: adaptersV1.ExecuteTranscribeRequest, context) => {
      if (message.request === undefined) throw internalError('ExecuteTranscribeRequest without a request.');
      if (!planExecutor.transcribe) throw internalError('This plan executor does not offer audio transcriptions.');
      const { response, report } = await planExecutor.transcribe(plan(message), transcriptionRequestFromProto(message.request), context);
      return { response: transcriptionResponseToProto(response), report: executionReportToProto(report) };
    }, logger),
    complete: unaryHandler(async (message: adaptersV1.CompleteRequest, context) => {
      const response = await adapters.complete(deploymentFromProto(message.deployment), chatRequest(message), context);
      return { response: chatResponseToProto(response) };
    }, logger),
    streamComplete: serverStreamingHandler(
      (message: adaptersV1.StreamCompleteRequest, context) => adapters.stream(deploymentFromProto(message.deployment), chatRequest(message), context),
      (part: StreamPart) => ({ part: streamPartToProto(part) }),
      logger,
    ),
    embed: unaryHandler(async (message: adaptersV1.EmbedRequest, context) => {
      if (message.request === undefined) throw internalError('EmbedRequest without a request.');
      const response = await adapters.embed(deploymentFromProto(message.deployment), embeddingRequestFromProto(message.request), context);
      return { response: embeddingResponseToProto(response) };
    }, logger),
    listDiscoveredModels: unaryHandler(async (_message: adaptersV1.ListDiscoveredModelsRequest, context) => {
      const discovered = adapters.discoveredModels ? await adapters.discoveredModels(context) : { version: 0, providers: {} };
      return {
        version: BigInt(discovered.version),
        providers: Object.entries(discovered.providers).map(([providerId, models]) => ({ providerId, models: [...models] })),
      };
    }, logger),
  };
}

/** The adapters, ready for `startGrpcServer({ services: [...] })`. */
export function adapterGrpcService(
  adapters: ProviderAdapterService & Partial<DiscoveredModelSource>,
  logger: Logger,
  planExecutor?: PlanExecutor,
): GrpcServiceRegistration {
  return { definition: adapterServiceDefinition, implementation: adapterGrpcHandlers(adapters, logger, planExecutor) };
}

function chatRequest(
  message: adaptersV1.CompleteRequest | adaptersV1.StreamCompleteRequest | adaptersV1.ExecuteRequest | adaptersV1.ExecuteStreamRequest,
): ChatRequest {
  if (message.request === undefined) throw internalError(`${message.$typeName} without a request.`);
  return chatRequestFromProto(message.request);
}

function plan(
  message:
    | adaptersV1.ExecuteRequest
    | adaptersV1.ExecuteStreamRequest
    | adaptersV1.ExecuteEmbedRequest
    | adaptersV1.ExecuteTranscribeRequest
    | adaptersV1.ExecuteResponsesRequest
    | adaptersV1.ExecuteResponsesStreamRequest,
) {
  if (message.plan === undefined) throw internalError(`${message.$typeName} without a plan.`);
  return executionPlanFromProto(message.plan);
}

type StreamEvent = { kind: 'started' | 'report'; report: ExecutionReport } | { kind: 'part'; part: StreamPart };

/** `started`, the parts, then the final `report`: the messages of one ExecuteStream call. */
async function* streamEvents(
  parts: AsyncIterable<StreamPart>,
  started: ExecutionReport,
  final: Promise<ExecutionReport>,
): AsyncIterable<StreamEvent> {
  yield { kind: 'started', report: started };
  for await (const part of parts) yield { kind: 'part', part };
  yield { kind: 'report', report: await final };
}

/** The client's Responses body, which the gateway sent as JSON. */
function responsesBody(message: adaptersV1.ExecuteResponsesRequest | adaptersV1.ExecuteResponsesStreamRequest): Record<string, unknown> {
  const body: unknown = JSON.parse(message.bodyJson);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw internalError(`${message.$typeName} without a JSON object body.`);
  return body as Record<string, unknown>;
}

/** The plan executor's pass-through of the Responses API, which the local one always has. */
function nativePlanExecutor(planExecutor: PlanExecutor): Required<Pick<PlanExecutor, 'respond' | 'streamRespond'>> {
  if (!planExecutor.respond || !planExecutor.streamRespond) throw internalError('This plan executor does not pass Responses API requests through.');
  return {
    respond: (...args) => planExecutor.respond!(...args),
    streamRespond: (...args) => planExecutor.streamRespond!(...args),
  };
}

type CommittedEvent<T> = { kind: 'started' | 'report'; report: ExecutionReport } | { kind: 'item'; item: T };

/** `started`, the items, then the final `report`: the messages of one committed stream call. */
async function* committedEvents<T>(
  items: AsyncIterable<T>,
  started: ExecutionReport,
  final: Promise<ExecutionReport>,
): AsyncIterable<CommittedEvent<T>> {
  yield { kind: 'started', report: started };
  for await (const item of items) yield { kind: 'item', item };
  yield { kind: 'report', report: await final };
}
