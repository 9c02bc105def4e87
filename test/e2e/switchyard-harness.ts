import { configSchema, createLogger, type SwitchyardConfig } from '@switchyard/shared';
import { startEmbedded } from '../../services/gateway/src/modes/embedded';
import { startAdapterService, startDistributedGateway, startRouterService } from '../../services/gateway/src/modes/distributed';

export type Mode = 'embedded' | 'distributed';

export interface RunningSwitchyard {
  /** For the `openai` SDK: `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  close(): Promise<void>;
}

/**
 * Starts Switchyard in the given mode on free loopback ports. In distributed
 * mode the router and the adapter service each listen on their own gRPC
 * port and the gateway calls them over the network.
 */
export async function startSwitchyard(mode: Mode, rawConfig: unknown): Promise<RunningSwitchyard> {
  const config: SwitchyardConfig = configSchema.parse(rawConfig);
  const logger = createLogger('e2e', process.env.LOG_LEVEL ?? 'silent');
  if (mode === 'embedded') {
    const gateway = await startEmbedded(config, logger, { host: '127.0.0.1', port: 0 });
    return { baseURL: `${gateway.url}/v1`, close: () => gateway.close(1_000) };
  }
  const router = await startRouterService(config, logger, '127.0.0.1:0');
  const adapters = await startAdapterService(config, logger, '127.0.0.1:0');
  const distributed: SwitchyardConfig = {
    ...config,
    services: { ...config.services, router: `127.0.0.1:${router.port}`, adapters: `127.0.0.1:${adapters.port}` },
  };
  const gateway = await startDistributedGateway(distributed, logger, { host: '127.0.0.1', port: 0 });
  return {
    baseURL: `${gateway.url}/v1`,
    close: async () => {
      await gateway.close(1_000);
      await Promise.all([router.close(1_000), adapters.close(1_000)]);
    },
  };
}
