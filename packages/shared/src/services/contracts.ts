import type {
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  Deployment,
  ModelEntry,
  RoutePlan,
  StreamPart,
} from '../canonical';

/**
 * The service interfaces. In embedded mode the gateway holds the
 * implementations directly; in distributed mode it holds gRPC clients that
 * implement the same interfaces.
 */

/** What every call carries across a service boundary. */
export interface CallContext {
  requestId: string;
  /** Aborted when the client goes away or the deadline passes. */
  signal: AbortSignal;
}

export interface RouterService {
  /** Throws `modelNotFound` for an unknown model. */
  resolveRoute(model: string, context: CallContext): Promise<RoutePlan>;
  listModels(context: CallContext): Promise<ModelEntry[]>;
}

export interface ProviderAdapterService {
  complete(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<ChatResponse>;
  /**
   * Resolves once the provider has accepted the request (so errors before the
   * first byte surface as a rejected promise), then yields parts as they come.
   */
  stream(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>>;
  embed(deployment: Deployment, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse>;
}
