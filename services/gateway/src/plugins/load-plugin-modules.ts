import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, type PluginFactory } from '@switchyard/shared';

/**
 * The factories of custom plugins (`plugins.modules`): each module is loaded
 * with `require`, from the working directory (a relative path) or as a
 * package, and exports a PluginFactory as `default` or `pluginFactory`. A
 * module that cannot be loaded or exports no factory stops the start,
 * naming its path in config.
 */
export function loadPluginModules(modules: readonly string[], workingDirectory = process.cwd()): PluginFactory[] {
  const requireFrom = createRequire(join(workingDirectory, 'plugins.js'));
  return modules.map((specifier, index) => {
    const path = `plugins.modules[${index}]`;
    const target = specifier.startsWith('.') || isAbsolute(specifier) ? resolve(workingDirectory, specifier) : specifier;
    let loaded: unknown;
    try {
      loaded = requireFrom(target);
    } catch (error) {
      throw new ConfigError(`invalid config: ${path}: cannot load the plugin module ${specifier}: ${(error as Error).message}`);
    }
    const exported = loaded as { default?: unknown; pluginFactory?: unknown } | undefined;
    const factory = [exported?.pluginFactory, exported?.default, loaded].find(isPluginFactory);
    if (!factory) {
      throw new ConfigError(
        `invalid config: ${path}: the module ${specifier} exports no plugin factory (an object with a name and create(services), as default or pluginFactory)`,
      );
    }
    return factory;
  });
}

function isPluginFactory(value: unknown): value is PluginFactory {
  const candidate = value as Partial<PluginFactory> | undefined;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && typeof candidate.create === 'function';
}
