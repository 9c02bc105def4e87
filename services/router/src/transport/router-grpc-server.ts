import { type Logger, type RouterService } from '@switchyard/shared';
import {
  grpcServiceDefinition,
  modelEntriesToProto,
  routePlanToProto,
  unaryHandler,
  type GrpcHandlers,
  type GrpcServiceRegistration,
  type MethodsOf,
} from '@switchyard/rpc';
import { routerV1 } from '@switchyard/proto';

export const routerServiceDefinition = grpcServiceDefinition(routerV1.RouterService);

/** gRPC handlers for `switchyard.router.v1.RouterService` that call any RouterService. */
export function routerGrpcHandlers(router: RouterService, logger: Logger): GrpcHandlers<MethodsOf<typeof routerV1.RouterService>> {
  return {
    resolveRoute: unaryHandler(
      async (request: routerV1.ResolveRouteRequest, context) => routePlanToProto(await router.resolveRoute(request.model, context)),
      logger,
    ),
    listModels: unaryHandler(async (_request: routerV1.ListModelsRequest, context) => modelEntriesToProto(await router.listModels(context)), logger),
  };
}

/** The router, ready for `startGrpcServer({ services: [...] })`. */
export function routerGrpcService(router: RouterService, logger: Logger): GrpcServiceRegistration {
  return { definition: routerServiceDefinition, implementation: routerGrpcHandlers(router, logger) };
}
