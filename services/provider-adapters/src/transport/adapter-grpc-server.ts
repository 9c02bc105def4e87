import {
  internalError,
  type ChatRequest,
  type DiscoveredModelSource,
  type Logger,
  type ProviderAdapterService,
  type StreamPart,
} from '@switchyard/shared';
import {
  chatRequestFromProto,
  chatResponseToProto,
  deploymentFromProto,
  embeddingRequestFromProto,
  embeddingResponseToProto,
  grpcServiceDefinition,
  serverStreamingHandler,
  streamPartToProto,
  unaryHandler,
  type GrpcHandlers,
  type GrpcServiceRegistration,
  type MethodsOf,
} from '@switchyard/rpc';
import { adaptersV1 } from '@switchyard/proto';

export const adapterServiceDefinition = grpcServiceDefinition(adaptersV1.ProviderAdapterService);

/**
 * gRPC handlers for `switchyard.adapters.v1.ProviderAdapterService` that call
 * any ProviderAdapterService. StreamComplete writes each part as it comes and
 * aborts the adapter's signal when the caller cancels.
 */
export function adapterGrpcHandlers(
  adapters: ProviderAdapterService & Partial<DiscoveredModelSource>,
  logger: Logger,
): GrpcHandlers<MethodsOf<typeof adaptersV1.ProviderAdapterService>> {
  return {
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
export function adapterGrpcService(adapters: ProviderAdapterService & Partial<DiscoveredModelSource>, logger: Logger): GrpcServiceRegistration {
  return { definition: adapterServiceDefinition, implementation: adapterGrpcHandlers(adapters, logger) };
}

function chatRequest(message: adaptersV1.CompleteRequest | adaptersV1.StreamCompleteRequest): ChatRequest {
  if (message.request === undefined) throw internalError(`${message.$typeName} without a request.`);
  return chatRequestFromProto(message.request);
}
