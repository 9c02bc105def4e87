import { create } from '@bufbuild/protobuf';
import { semanticV1 } from '@switchyard/proto';
import { grpcServiceDefinition, unaryHandler, type GrpcHandlers, type GrpcServiceRegistration, type MethodsOf } from '@switchyard/rpc';
import { GatewayError, guardrailCheckNames, invalidRequest, type GuardrailCheckName, type Logger } from '@switchyard/shared';
import type { SemanticBackends } from './semantic-backends';
import {
  guardrailReportToProto,
  payloadFromProto,
  vectorFromProto,
  vectorMatchToProto,
  vectorRecordFromProto,
  vectorToProto,
} from './semantic-codec';

export const semanticServiceDefinition = grpcServiceDefinition(semanticV1.SemanticService);

/** gRPC handlers for `switchyard.semantic.v1.SemanticService` over the in-process backends. */
export function semanticGrpcHandlers(served: SemanticBackends, logger: Logger): GrpcHandlers<MethodsOf<typeof semanticV1.SemanticService>> {
  const backends: SemanticBackends = {
    embedder: () => backend('embedder', () => served.embedder()),
    vectorStore: () => backend('vector store', () => served.vectorStore()),
    guardrails: () => backend('guardrail checker', () => served.guardrails()),
  };
  return {
    describeEmbedder: unaryHandler(async () => {
      const embedder = backends.embedder();
      return create(semanticV1.DescribeEmbedderResponseSchema, { embedderId: embedder.id, dimensions: embedder.dimensions });
    }, logger),
    embed: unaryHandler(async (request: semanticV1.EmbedRequest, context) => {
      const embedder = backends.embedder();
      const vectors = request.texts.length === 0 ? [] : await embedder.embed(request.texts, context.signal);
      return create(semanticV1.EmbedResponseSchema, {
        vectors: vectors.map(vectorToProto),
        embedderId: embedder.id,
        dimensions: embedder.dimensions,
      });
    }, logger),
    upsertVectors: unaryHandler(async (request: semanticV1.UpsertVectorsRequest) => {
      await backends.vectorStore().upsert(requireNamespace(request.namespace), request.records.map(vectorRecordFromProto));
      return create(semanticV1.UpsertVectorsResponseSchema);
    }, logger),
    queryVectors: unaryHandler(async (request: semanticV1.QueryVectorsRequest) => {
      if (request.k < 1) throw invalidRequest('k must be at least 1.', 'k');
      const matches = await backends.vectorStore().query(requireNamespace(request.namespace), vectorFromProto(request.vector), {
        k: request.k,
        ...(request.minScore !== undefined && { minScore: request.minScore }),
        ...(Object.keys(request.where).length > 0 && { where: payloadFromProto(request.where) }),
      });
      return create(semanticV1.QueryVectorsResponseSchema, { matches: matches.map(vectorMatchToProto) });
    }, logger),
    deleteVectors: unaryHandler(async (request: semanticV1.DeleteVectorsRequest) => {
      await backends.vectorStore().delete(requireNamespace(request.namespace), request.ids);
      return create(semanticV1.DeleteVectorsResponseSchema);
    }, logger),
    dropNamespace: unaryHandler(async (request: semanticV1.DropNamespaceRequest) => {
      await backends.vectorStore().drop(requireNamespace(request.namespace));
      return create(semanticV1.DropNamespaceResponseSchema);
    }, logger),
    checkGuardrails: unaryHandler(async (request: semanticV1.CheckGuardrailsRequest, context) => {
      const report = await backends
        .guardrails()
        .check({ text: request.text, checks: request.checks.map(checkName), workspace: requireWorkspace(request.workspace) }, context.signal);
      return guardrailReportToProto(report);
    }, logger),
  };
}

/** The semantic service, ready for `startGrpcServer({ services: [...] })`. */
export function semanticGrpcService(backends: SemanticBackends, logger: Logger): GrpcServiceRegistration {
  return { definition: semanticServiceDefinition, implementation: semanticGrpcHandlers(backends, logger) };
}

/**
 * A backend, or a 503 naming it when it cannot be built (no maker in this
 * build, a model that does not load): the caller reads why, not just
 * "internal error".
 */
function backend<Part>(name: string, build: () => Part): Part {
  try {
    return build();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(`The semantic service has no ${name}: ${error instanceof Error ? error.message : String(error)}`, {
      status: 503,
      errorClass: 'unavailable',
      code: 'semantic_backend_unavailable',
      cause: error,
    });
  }
}

function requireNamespace(namespace: string): string {
  if (namespace === '') throw invalidRequest('namespace must not be empty.', 'namespace');
  return namespace;
}

function requireWorkspace(workspace: string): string {
  if (workspace === '') throw invalidRequest('workspace must not be empty.', 'workspace');
  return workspace;
}

function checkName(name: string): GuardrailCheckName {
  if (!(guardrailCheckNames as readonly string[]).includes(name)) {
    throw invalidRequest(`Unknown guardrail check "${name}": expected one of ${guardrailCheckNames.join(', ')}.`, 'checks');
  }
  return name as GuardrailCheckName;
}
