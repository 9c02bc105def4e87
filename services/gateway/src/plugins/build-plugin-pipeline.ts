import { ConfigError, type GatewayPlugin, type Logger, type PluginFactory, type PluginServices } from '@switchyard/shared';
import type { GatewayMetrics } from '../http/gateway-metrics';
import { loadPluginModules } from './load-plugin-modules';
import { PluginPipeline } from './plugin-pipeline';

/** What the gateway builds its plugins from: the built-in factories and the services they share. */
export interface PluginSetup {
  /** The built-in plugins (`@switchyard/semantic`'s `builtInPluginFactories`); `plugins.modules` adds the custom ones. */
  factories: readonly PluginFactory[];
  services: PluginServices;
}

/**
 * Builds every plugin config enables, custom ones included, and the
 * pipeline that orders them. Plugins are built in factory order (built-ins
 * first); when one factory throws, those already built are closed.
 */
export async function buildPluginPipeline(setup: PluginSetup, logger: Logger, metrics?: GatewayMetrics): Promise<PluginPipeline> {
  const { config } = setup.services;
  const factories = [...setup.factories, ...loadPluginModules(config.plugins.modules)];
  const known = new Set<string>();
  for (const factory of factories) {
    if (known.has(factory.name)) throw new ConfigError(`invalid config: plugins.modules: two plugins are named ${factory.name}`);
    known.add(factory.name);
  }
  const plugins: GatewayPlugin[] = [];
  try {
    for (const factory of factories) {
      const plugin = factory.create(setup.services);
      if (!plugin) continue;
      if (plugin.name !== factory.name) throw new ConfigError(`the plugin factory ${factory.name} built a plugin named ${plugin.name}`);
      plugins.push(plugin);
    }
    const pipeline = new PluginPipeline({ config, plugins, known, logger, metrics });
    if (plugins.length > 0) logger.info({ plugins: plugins.map((plugin) => plugin.name) }, 'plugins-enabled');
    return pipeline;
  } catch (error) {
    await Promise.allSettled(plugins.map(async (plugin) => plugin.close?.()));
    throw error;
  }
}
