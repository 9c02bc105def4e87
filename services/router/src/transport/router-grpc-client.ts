import { internalError, type CallContext, type ModelEntry, type RoutePlan, type RouterService } from '@switchyard/shared';
import { GrpcServiceClient, modelEntriesFromProto, routePlanFromProto, type GrpcClientOptions, type MethodsOf } from '@switchyard/rpc';
import { routerV1 } from '@switchyard/proto';
import type { RouterSnapshot, SnapshotSource } from '../snapshots/router-snapshot';
import { routerSnapshotFromProto } from './router-snapshot-codec';

/** The router service, called over gRPC on one channel; also a source of its snapshots (`Watch`). */
export class RouterGrpcClient implements RouterService, SnapshotSource {
  private readonly client: GrpcServiceClient<MethodsOf<typeof routerV1.RouterService>>;

  constructor(options: GrpcClientOptions) {
    this.client = new GrpcServiceClient(routerV1.RouterService, options);
  }

  async resolveRoute(model: string, context: CallContext): Promise<RoutePlan> {
    return routePlanFromProto(await this.client.unary('resolveRoute', { model, requestId: context.requestId }, context));
  }

  async listModels(context: CallContext): Promise<ModelEntry[]> {
    return modelEntriesFromProto(await this.client.unary('listModels', {}, context));
  }

  /** A watch lasts until the router ends it or `signal` aborts: it has no deadline. */
  watch(request: { watcher: string; knownVersion: number }, signal: AbortSignal): Promise<AsyncIterable<RouterSnapshot>> {
    return this.client.serverStream(
      'watch',
      { watcher: request.watcher, knownVersion: BigInt(request.knownVersion) },
      { requestId: `watch-${request.watcher}`, signal },
      watchResponseFromProto,
      Number.POSITIVE_INFINITY,
    );
  }

  close(): void {
    this.client.close();
  }
}

function watchResponseFromProto({ snapshot }: routerV1.WatchResponse): RouterSnapshot {
  if (snapshot === undefined) throw internalError('WatchResponse without a snapshot.');
  return routerSnapshotFromProto(snapshot);
}
