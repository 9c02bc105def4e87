import { startGrpcServer, type Logger, type SwitchyardConfig } from '@switchyard/shared';
import { AdapterGrpcClient, adapterGrpcService, LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService, RouterGrpcClient, routerGrpcService } from '@switchyard/router';
import { startGatewayServer, type GatewayServer } from '../gateway-server';

/** A service listening on its own gRPC port. */
export interface RunningService {
  port: number;
  close(graceMs?: number): Promise<void>;
}

/** The gateway alone, calling the router and the adapter service over gRPC. */
export async function startDistributedGateway(
  config: SwitchyardConfig,
  logger: Logger,
  overrides: { port?: number; host?: string } = {},
): Promise<GatewayServer> {
  const callTimeoutMs = config.services.callTimeoutMs;
  const router = new RouterGrpcClient({ address: config.services.router, callTimeoutMs });
  // A stream may last as long as the whole request is allowed to.
  const adapters = new AdapterGrpcClient({ address: config.services.adapters, callTimeoutMs, streamTimeoutMs: config.server.requestTimeoutMs });
  const gateway = await startGatewayServer({ config, router, adapters, logger, ...overrides });
  return {
    ...gateway,
    close: async (graceMs) => {
      await gateway.close(graceMs);
      router.close();
      adapters.close();
    },
  };
}

/** The router service on `address` (default `services.router`). */
export async function startRouterService(config: SwitchyardConfig, logger: Logger, address = config.services.router): Promise<RunningService> {
  const server = await startGrpcServer({ address, logger, services: [routerGrpcService(new LocalRouterService(config), logger)] });
  return { port: server.port, close: (graceMs = 10_000) => server.shutdown(graceMs) };
}

/** The provider adapter service on `address` (default `services.adapters`). */
export async function startAdapterService(config: SwitchyardConfig, logger: Logger, address = config.services.adapters): Promise<RunningService> {
  const adapters = new LocalProviderAdapterService(config);
  const server = await startGrpcServer({ address, logger, services: [adapterGrpcService(adapters, logger)] });
  return {
    port: server.port,
    close: async (graceMs = 10_000) => {
      await server.shutdown(graceMs);
      await adapters.close();
    },
  };
}
