import {
  internalError,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type DiscoveredModels,
  type DiscoveredModelSource,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ProviderAdapterService,
  type StreamPart,
} from '@switchyard/shared';
import {
  chatRequestToProto,
  chatResponseFromProto,
  deploymentToProto,
  embeddingRequestToProto,
  embeddingResponseFromProto,
  GrpcServiceClient,
  streamPartFromProto,
  type GrpcClientOptions,
  type MethodsOf,
} from '@switchyard/rpc';
import { adaptersV1 } from '@switchyard/proto';

export interface AdapterGrpcClientOptions extends GrpcClientOptions {
  /** Deadline of a whole stream, which lasts as long as the generation; `callTimeoutMs` unless given. */
  streamTimeoutMs?: number;
}

/** The provider adapters service, called over gRPC on one channel. */
export class AdapterGrpcClient implements ProviderAdapterService, DiscoveredModelSource {
  private readonly client: GrpcServiceClient<MethodsOf<typeof adaptersV1.ProviderAdapterService>>;
  private readonly streamTimeoutMs: number;

  constructor(options: AdapterGrpcClientOptions) {
    this.client = new GrpcServiceClient(adaptersV1.ProviderAdapterService, options);
    this.streamTimeoutMs = options.streamTimeoutMs ?? options.callTimeoutMs;
  }

  async complete(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const message = { deployment: deploymentToProto(deployment), request: chatRequestToProto(request), requestId: context.requestId };
    const { response } = await this.client.unary('complete', message, context);
    if (response === undefined) throw internalError('CompleteResponse without a response.');
    return chatResponseFromProto(response);
  }

  async stream(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const message = { deployment: deploymentToProto(deployment), request: chatRequestToProto(request), requestId: context.requestId };
    return this.client.serverStream('streamComplete', message, context, decodePart, this.streamTimeoutMs);
  }

  async embed(deployment: Deployment, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    const message = { deployment: deploymentToProto(deployment), request: embeddingRequestToProto(request), requestId: context.requestId };
    const { response } = await this.client.unary('embed', message, context);
    if (response === undefined) throw internalError('EmbedResponse without a response.');
    return embeddingResponseFromProto(response);
  }

  async discoveredModels(context: CallContext): Promise<DiscoveredModels> {
    const response = await this.client.unary('listDiscoveredModels', {}, context);
    return {
      version: Number(response.version),
      providers: Object.fromEntries(response.providers.map((entry) => [entry.providerId, entry.models])),
    };
  }

  close(): void {
    this.client.close();
  }
}

function decodePart({ part }: adaptersV1.StreamCompleteResponse): StreamPart {
  if (part === undefined) throw internalError('StreamCompleteResponse without a part.');
  return streamPartFromProto(part);
}
