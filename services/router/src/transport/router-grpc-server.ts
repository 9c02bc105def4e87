import { GatewayError, type Logger, type RouterService } from '@switchyard/shared';
import {
  grpcServiceDefinition,
  modelEntriesToProto,
  routePlanToProto,
  serverStreamingHandler,
  unaryHandler,
  type GrpcHandlers,
  type GrpcServiceRegistration,
  type MethodsOf,
} from '@switchyard/rpc';
import { routerV1 } from '@switchyard/proto';
import type { SnapshotSource } from '../snapshots/router-snapshot';
import { routerSnapshotToProto } from './router-snapshot-codec';

export const routerServiceDefinition = grpcServiceDefinition(routerV1.RouterService);

/**
 * gRPC handlers for `switchyard.router.v1.RouterService` that call any
 * RouterService; `Watch` serves `snapshots` (without them it fails: this
 * router publishes none).
 */
export function routerGrpcHandlers(
  router: RouterService,
  logger: Logger,
  snapshots?: SnapshotSource,
): GrpcHandlers<MethodsOf<typeof routerV1.RouterService>> {
  return {
    resolveRoute: unaryHandler(
      async (request: routerV1.ResolveRouteRequest, context) => routePlanToProto(await router.resolveRoute(request.model, context)),
      logger,
    ),
    listModels: unaryHandler(async (_request: routerV1.ListModelsRequest, context) => modelEntriesToProto(await router.listModels(context)), logger),
    watch: serverStreamingHandler(
      async (request: routerV1.WatchRequest, context) => {
        if (snapshots === undefined) {
          throw new GatewayError('This router publishes no snapshots.', { status: 501, errorClass: 'unavailable', code: 'watch_unsupported' });
        }
        return snapshots.watch({ watcher: request.watcher, knownVersion: Number(request.knownVersion) }, context.signal);
      },
      (snapshot) => ({ snapshot: routerSnapshotToProto(snapshot) }),
      logger,
    ),
  };
}

/** The router, ready for `startGrpcServer({ services: [...] })`. */
export function routerGrpcService(router: RouterService, logger: Logger, snapshots?: SnapshotSource): GrpcServiceRegistration {
  return { definition: routerServiceDefinition, implementation: routerGrpcHandlers(router, logger, snapshots) };
}
