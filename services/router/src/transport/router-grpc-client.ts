import { type CallContext, type ModelEntry, type RoutePlan, type RouterService } from '@switchyard/shared';
import { GrpcServiceClient, modelEntriesFromProto, routePlanFromProto, type GrpcClientOptions, type MethodsOf } from '@switchyard/rpc';
import { routerV1 } from '@switchyard/proto';

/** The router service, called over gRPC on one channel. */
export class RouterGrpcClient implements RouterService {
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

  close(): void {
    this.client.close();
  }
}
