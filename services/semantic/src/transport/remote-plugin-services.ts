import type { GrpcClientOptions } from '@switchyard/rpc';
import type { Logger, SwitchyardConfig } from '@switchyard/shared';
import type { ClosablePluginServices } from '../plugin-services';
import { RemoteEmbedder, RemoteGuardrailChecker, RemoteVectorStore, SemanticGrpcClient } from './semantic-grpc-client';

export interface RemotePluginServicesOptions {
  config: SwitchyardConfig;
  logger: Logger;
  /** How to reach the semantic service: its address, deadline, credentials and message limits. */
  channel: GrpcClientOptions;
}

/**
 * A distributed gateway's `PluginServices`: the embedder, vector store and
 * guardrail checker are clients of the semantic service. The channel opens
 * when a plugin first takes one of them, so a gateway without semantic
 * plugins never dials the service.
 */
export function remotePluginServices({ config, logger, channel }: RemotePluginServicesOptions): ClosablePluginServices {
  let client: SemanticGrpcClient | undefined;
  let embedder: RemoteEmbedder | undefined;
  let vectorStore: RemoteVectorStore | undefined;
  let guardrails: RemoteGuardrailChecker | undefined;
  const semantic = () => (client ??= new SemanticGrpcClient(channel));
  return {
    config,
    logger,
    embedder: () => {
      if (embedder === undefined) {
        embedder = new RemoteEmbedder(semantic());
        // Asked now, so that `id` and `dimensions` are known before the first request needs them; a failure is asked again then.
        embedder.ready().catch((error: unknown) => logger.warn({ err: error, address: channel.address }, 'semantic-embedder-describe-failed'));
      }
      return embedder;
    },
    vectorStore: () => (vectorStore ??= new RemoteVectorStore(semantic())),
    guardrails: () => (guardrails ??= new RemoteGuardrailChecker(semantic())),
    // Closing the channel is all: the service's models and stores are its own.
    close: async () => client?.close(),
  };
}
