import type { Embedder, GuardrailChecker, Logger, PluginServices, SwitchyardConfig, VectorStore } from '@switchyard/shared';
import { createEmbedder } from './embedders';
import { localGuardrailChecker } from './guardrails/local-guardrail-checker';
import { createVectorStore } from './stores';

/** How each shared service is made, from config, when a plugin first asks for it. */
export interface PluginServiceMakers {
  embedder?(config: SwitchyardConfig, logger: Logger): Embedder;
  vectorStore?(config: SwitchyardConfig, logger: Logger): VectorStore;
  /** May use the embedder (topic and injection checks). */
  guardrails?(config: SwitchyardConfig, logger: Logger, services: PluginServices): GuardrailChecker;
}

/** Plugin services that close what they opened. */
export interface ClosablePluginServices extends PluginServices {
  /** Closes the services that were made (none when no plugin asked). */
  close(): Promise<void>;
}

/**
 * Plugin services made on first use and then shared, so a config with no
 * semantic plugin loads no model and opens no store. One process passes
 * the in-process makers; the distributed gateway, clients of the semantic
 * service. A service with no maker throws when asked for, naming it.
 */
export function lazyPluginServices(config: SwitchyardConfig, logger: Logger, makers: PluginServiceMakers): ClosablePluginServices {
  let embedder: Embedder | undefined;
  let vectorStore: VectorStore | undefined;
  let guardrails: GuardrailChecker | undefined;
  const unavailable = (service: string): never => {
    throw new Error(`no ${service} is available to plugins in this process`);
  };
  const services: ClosablePluginServices = {
    config,
    logger,
    embedder: () => (embedder ??= makers.embedder?.(config, logger) ?? unavailable('embedder')),
    vectorStore: () => (vectorStore ??= makers.vectorStore?.(config, logger) ?? unavailable('vector store')),
    guardrails: () => (guardrails ??= makers.guardrails?.(config, logger, services) ?? unavailable('guardrail checker')),
    close: async () => {
      // The checker's background work embeds: it stops before the embedder closes.
      await guardrails?.close?.().catch((error: unknown) => logger.error({ err: error }, 'plugin-service-close-failed'));
      const open = [vectorStore, embedder];
      vectorStore = undefined;
      embedder = undefined;
      guardrails = undefined;
      const results = await Promise.allSettled(open.map(async (service) => service?.close()));
      for (const result of results) if (result.status === 'rejected') logger.error({ err: result.reason }, 'plugin-service-close-failed');
    },
  };
  return services;
}

/** The in-process implementations (one process): each service's folder adds its maker here. */
export const localServiceMakers: PluginServiceMakers = {
  embedder: (config) => createEmbedder(config.embedder),
  guardrails: (config, _logger, services) => localGuardrailChecker(config, () => services.embedder()),
  vectorStore: (config) => createVectorStore(config),
};
