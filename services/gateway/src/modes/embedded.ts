import type { Logger, SwitchyardConfig } from '@switchyard/shared';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { startGatewayServer, type GatewayServer } from '../gateway-server';

/**
 * Gateway, router and provider adapters in one process: the gateway holds
 * the service implementations themselves, so a call is a function call.
 */
export async function startEmbedded(
  config: SwitchyardConfig,
  logger: Logger,
  overrides: { port?: number; host?: string } = {},
): Promise<GatewayServer> {
  const router = new LocalRouterService(config);
  const adapters = new LocalProviderAdapterService(config);
  const gateway = await startGatewayServer({ config, router, adapters, logger, ...overrides });
  return {
    ...gateway,
    close: async (graceMs) => {
      await gateway.close(graceMs);
      await adapters.close();
    },
  };
}
