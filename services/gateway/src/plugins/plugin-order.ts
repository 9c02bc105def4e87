import { ConfigError, type GatewayPlugin, type SwitchyardConfig } from '@switchyard/shared';

/** The built-ins' order when `plugins.order` is not set: refuse early, route, add memory, then look up the cache with the final request. */
export const DEFAULT_PLUGIN_ORDER: readonly string[] = ['guardrails', 'semantic-routing', 'memory', 'cache'];

/**
 * Which enabled plugins run on a request, in order: the route's list
 * (`plugins.routes`, by the model or alias asked for), else the
 * workspace's (`plugins.workspaces`), else `plugins.order`, else the
 * default order. Worked out once per config; a lookup is two map reads.
 */
export class PluginOrder {
  private readonly everyRequest: readonly GatewayPlugin[];
  private readonly byWorkspace = new Map<string, readonly GatewayPlugin[]>();
  private readonly byRoute = new Map<string, readonly GatewayPlugin[]>();

  /**
   * `enabled`: the plugins built from config, in the order their factories
   * are listed; `known`: every plugin name there is (built-in and custom,
   * enabled or not), which config may name.
   */
  constructor(config: SwitchyardConfig['plugins'], enabled: readonly GatewayPlugin[], known: ReadonlySet<string>) {
    const byName = new Map(enabled.map((plugin) => [plugin.name, plugin]));
    const pick = (names: readonly string[], path: string): readonly GatewayPlugin[] =>
      names.flatMap((name, index) => {
        if (!known.has(name)) {
          throw new ConfigError(
            `invalid config: ${path}[${index}]: unknown plugin "${name}"; known plugins: ${[...known].sort().join(', ') || 'none'}`,
          );
        }
        const plugin = byName.get(name);
        return plugin ? [plugin] : [];
      });
    this.everyRequest =
      config.order !== undefined
        ? pick(config.order, 'plugins.order')
        : [
            ...DEFAULT_PLUGIN_ORDER.flatMap((name) => byName.get(name) ?? []),
            ...enabled.filter((plugin) => !DEFAULT_PLUGIN_ORDER.includes(plugin.name)),
          ];
    for (const [workspace, names] of Object.entries(config.workspaces))
      this.byWorkspace.set(workspace, pick(names, `plugins.workspaces.${workspace}`));
    for (const [route, names] of Object.entries(config.routes)) this.byRoute.set(route, pick(names, `plugins.routes.${route}`));
  }

  /** The plugins of a request for `route` (the model asked for) in `workspace`. */
  pluginsFor(workspace: string, route: string): readonly GatewayPlugin[] {
    return this.byRoute.get(route) ?? this.byWorkspace.get(workspace) ?? this.everyRequest;
  }

  /** Whether no request runs any plugin: the chat path then skips the pipeline entirely. */
  get empty(): boolean {
    return this.everyRequest.length === 0 && [...this.byWorkspace.values(), ...this.byRoute.values()].every((list) => list.length === 0);
  }
}
