import type { GatewayPlugin, Logger, PluginEndpoint, SwitchyardConfig } from '@switchyard/shared';
import type { GatewayMetrics } from '../http/gateway-metrics';
import { PluginOrder } from './plugin-order';
import { PluginRun, type PluginHook, type PluginRunHost, type PluginRunInput } from './plugin-run';

/** What the pipeline is built from: the plugins config enabled, and the name of every plugin config may name. */
export interface PluginPipelineOptions {
  config: SwitchyardConfig;
  plugins: readonly GatewayPlugin[];
  /** Every plugin name there is, enabled or not; default: the enabled plugins'. */
  known?: ReadonlySet<string>;
  logger: Logger;
  metrics?: GatewayMetrics;
}

/**
 * The gateway's plugins, ordered per workspace and route (`plugins` in
 * config): begins a run for each chat request, serves their endpoints,
 * keeps track of the work they do off the request path, and closes them.
 */
export class PluginPipeline {
  readonly plugins: readonly GatewayPlugin[];
  private readonly order: PluginOrder;
  private readonly pending = new Set<Promise<void>>();
  private readonly host: PluginRunHost;

  constructor(private readonly options: PluginPipelineOptions) {
    const names = new Set<string>();
    for (const plugin of options.plugins) {
      if (names.has(plugin.name)) throw new Error(`two plugins are named ${plugin.name}`);
      names.add(plugin.name);
    }
    this.plugins = options.plugins;
    const paths = new Map<string, string>();
    for (const { plugin, endpoint } of this.endpoints()) {
      const route = `${endpoint.method} ${endpoint.path}`;
      const taken = paths.get(route);
      if (taken !== undefined) throw new Error(`the plugins ${taken} and ${plugin} both serve ${route}`);
      paths.set(route, plugin);
    }
    this.order = new PluginOrder(options.config.plugins, options.plugins, options.known ?? names);
    const { logger, metrics } = options;
    this.host = {
      failed: (plugin: string, hook: PluginHook, requestId: string, error: unknown) => {
        metrics?.pluginFailed(plugin, hook);
        logger.error({ requestId, plugin, hook, err: error }, 'plugin-failed');
      },
      track: (work) => {
        this.pending.add(work);
        void work.finally(() => this.pending.delete(work));
      },
    };
  }

  /** An empty pipeline: every request takes the path it would without plugins. */
  static none(config: SwitchyardConfig, logger: Logger): PluginPipeline {
    return new PluginPipeline({ config, plugins: [], logger });
  }

  /** The run of one chat request, or undefined when no plugin applies to it (nothing to do, nothing allocated). */
  begin(input: PluginRunInput, route: string): PluginRun | undefined {
    const plugins = this.order.pluginsFor(input.workspace, route);
    return plugins.length === 0 ? undefined : new PluginRun(plugins, input, this.host);
  }

  /** Whether a request of `workspace` for `route` runs any plugin. */
  appliesTo(workspace: string, route: string): boolean {
    return this.order.pluginsFor(workspace, route).length > 0;
  }

  /** Whether any request may run a plugin. */
  get active(): boolean {
    return !this.order.empty;
  }

  /** Every enabled plugin's endpoints, with the plugin that serves each. */
  endpoints(): { plugin: string; endpoint: PluginEndpoint }[] {
    return this.plugins.flatMap((plugin) => (plugin.endpoints ?? []).map((endpoint) => ({ plugin: plugin.name, endpoint })));
  }

  /** Resolves once the work plugins started off the request path so far is over (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Waits for work off the request path, then closes every plugin (a failure is logged, the others still close). */
  async close(): Promise<void> {
    await this.settled();
    for (const plugin of this.plugins) {
      try {
        await plugin.close?.();
      } catch (error) {
        this.options.logger.error({ plugin: plugin.name, err: error }, 'plugin-close-failed');
      }
    }
  }
}
