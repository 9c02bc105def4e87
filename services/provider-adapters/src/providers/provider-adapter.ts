import type {
  CallContext,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  NativeStreamEvent,
  ProviderConfigOf,
  ProviderKind,
  StreamPart,
  TranscriptionRequest,
  TranscriptionResponse,
} from '@switchyard/shared';
import type { UpstreamClient } from '../http/upstream-client';

/**
 * What each provider folder implements: one configured provider, speaking its
 * own wire format, converted to and from the canonical model. `model` is the
 * provider's own model name.
 */
export interface ProviderAdapter {
  complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse>;
  /** Rejects on an error answer before the first part; afterwards, the iterator throws. */
  stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>>;
  /** Absent where the provider has no embeddings API. */
  embed?(model: string, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse>;
  /** OpenAI's Responses API, passed through: the body as the client sent it (with `model` set), the upstream's `Response`. */
  respond?(model: string, body: Record<string, unknown>, context: CallContext): Promise<Record<string, unknown>>;
  /** The same, streamed: the upstream's events unchanged. Rejects on an error answer before the first event. */
  streamRespond?(model: string, body: Record<string, unknown>, context: CallContext): Promise<AsyncIterable<NativeStreamEvent>>;
  /** OpenAI's audio transcriptions; absent where the provider has no such API. */
  transcribe?(model: string, request: TranscriptionRequest, context: CallContext): Promise<TranscriptionResponse>;
  /** The models the provider lists of itself (model discovery); absent where it has no such list. */
  listModels?(context: CallContext): Promise<string[]>;
}

export interface ProviderAdapterOptions<K extends ProviderKind = ProviderKind> {
  id: string;
  config: ProviderConfigOf<K>;
  /** The resolved API key, if any. */
  apiKey?: string;
  /** Headers with environment references resolved. */
  headers: Record<string, string>;
  http: UpstreamClient;
  /** Where credential sources read their variables (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, ...). */
  env: Record<string, string | undefined>;
}

export type ProviderAdapterFactory<K extends ProviderKind = ProviderKind> = (options: ProviderAdapterOptions<K>) => ProviderAdapter;
