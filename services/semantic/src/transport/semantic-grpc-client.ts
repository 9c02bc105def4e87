import { randomUUID } from 'node:crypto';
import { semanticV1 } from '@switchyard/proto';
import { GrpcServiceClient, type GrpcClientOptions, type MethodsOf } from '@switchyard/rpc';
import {
  GatewayError,
  type CallContext,
  type Embedder,
  type GuardrailChecker,
  type GuardrailCheckRequest,
  type GuardrailReport,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
  type VectorStore,
} from '@switchyard/shared';
import {
  guardrailReportFromProto,
  payloadToProto,
  vectorFromProto,
  vectorMatchFromProto,
  vectorRecordToProto,
  vectorToProto,
} from './semantic-codec';

type SemanticMethods = MethodsOf<typeof semanticV1.SemanticService>;

/** The semantic service over one gRPC channel, shared by the remote embedder, store and guardrail checker. */
export class SemanticGrpcClient {
  readonly client: GrpcServiceClient<SemanticMethods>;

  constructor(options: GrpcClientOptions) {
    this.client = new GrpcServiceClient(semanticV1.SemanticService, options);
  }

  /** Closes the channel: every remote object made from this client stops working. */
  close(): void {
    this.client.close();
  }
}

/**
 * A call's context. The semantic contracts carry no request id, so each call
 * gets its own (the service logs it with any failure).
 */
function callContext(signal?: AbortSignal): CallContext {
  return { requestId: `semantic-${randomUUID()}`, signal: signal ?? new AbortController().signal };
}

interface EmbedderDescription {
  id: string;
  dimensions: number;
}

/**
 * The semantic service's embedder. Its `id` and `dimensions` are the
 * service's: asked once (`ready()`, which `remotePluginServices` starts as
 * soon as a plugin takes the embedder) and refreshed by every `embed`, so a
 * service redeployed with another model is seen at the next call. Reading
 * them before the service ever answered throws a 503
 * `semantic_service_unavailable`; `embed` waits for them itself.
 */
export class RemoteEmbedder implements Embedder {
  private description?: EmbedderDescription;
  private describing?: Promise<EmbedderDescription>;

  constructor(private readonly semantic: SemanticGrpcClient) {}

  get id(): string {
    return this.known().id;
  }

  get dimensions(): number {
    return this.known().dimensions;
  }

  /** Resolves once the embedder's id and dimensions are known; a failed ask is asked again next time. */
  async ready(signal?: AbortSignal): Promise<void> {
    if (this.description !== undefined) return;
    this.describing ??= this.semantic.client.unary('describeEmbedder', {}, callContext(signal)).then(
      ({ embedderId, dimensions }) => (this.description = { id: embedderId, dimensions }),
      (error: unknown) => {
        this.describing = undefined;
        throw error;
      },
    );
    await this.describing;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const response = await this.semantic.client.unary('embed', { texts: [...texts] }, callContext(signal));
    if (response.vectors.length !== texts.length) {
      throw new GatewayError(`The semantic service returned ${response.vectors.length} vectors for ${texts.length} texts.`, {
        status: 502,
        errorClass: 'upstream',
        code: 'semantic_bad_response',
      });
    }
    this.description = { id: response.embedderId, dimensions: response.dimensions };
    return response.vectors.map(vectorFromProto);
  }

  /** The channel belongs to the client that made this embedder. */
  async close(): Promise<void> {}

  private known(): EmbedderDescription {
    if (this.description === undefined) {
      throw new GatewayError('The semantic service has not described its embedder yet.', {
        status: 503,
        errorClass: 'unavailable',
        code: 'semantic_service_unavailable',
        retryable: true,
      });
    }
    return this.description;
  }
}

/** The semantic service's vector store: the same namespaces, records and queries, one call each. */
export class RemoteVectorStore implements VectorStore {
  constructor(private readonly semantic: SemanticGrpcClient) {}

  async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.semantic.client.unary('upsertVectors', { namespace, records: records.map(vectorRecordToProto) }, callContext());
  }

  async query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]> {
    const response = await this.semantic.client.unary(
      'queryVectors',
      {
        namespace,
        vector: vectorToProto(vector),
        k: query.k,
        ...(query.minScore !== undefined && { minScore: query.minScore }),
        ...(query.where !== undefined && { where: payloadToProto(query.where) }),
      },
      callContext(),
    );
    return response.matches.map(vectorMatchFromProto);
  }

  async delete(namespace: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.semantic.client.unary('deleteVectors', { namespace, ids: [...ids] }, callContext());
  }

  async drop(namespace: string): Promise<void> {
    await this.semantic.client.unary('dropNamespace', { namespace }, callContext());
  }

  /** The channel belongs to the client that made this store. */
  async close(): Promise<void> {}
}

/** The semantic service's guardrail checks. */
export class RemoteGuardrailChecker implements GuardrailChecker {
  constructor(private readonly semantic: SemanticGrpcClient) {}

  async check(request: GuardrailCheckRequest, signal?: AbortSignal): Promise<GuardrailReport> {
    const response = await this.semantic.client.unary(
      'checkGuardrails',
      { text: request.text, checks: [...request.checks], workspace: request.workspace },
      callContext(signal),
    );
    return guardrailReportFromProto(response);
  }
}
