import { LocalRouterService, type LocalRouterServiceOptions } from '@switchyard/router';
import type { DiscoveredModels, ModelEntry, RoutePlan, RouterService, SwitchyardConfig } from '@switchyard/shared';
import type { ConfigReloadTarget, PreparedReload } from './config-reloader';

/**
 * The router as a reload target: a reloaded config is checked in full
 * beside the one serving (a router built from it and dropped), then swapped
 * in with `LocalRouterService.applyConfig`, which keeps its statistics,
 * discovered lists and listeners (a snapshot publisher). A plan already
 * resolved is the old config's, and is run as it is; `onPlan` lets the
 * adapters pin it to the providers of its time.
 */
export class ReloadableRouterService implements RouterService, ConfigReloadTarget {
  readonly name = 'router';
  readonly sections = ['providers', 'routes'] as const;
  /** The router itself, for what follows it (snapshots, statistics). */
  readonly local: LocalRouterService;
  private planListener: ((plan: RoutePlan) => void) | undefined;

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(
    config: SwitchyardConfig,
    private readonly options: LocalRouterServiceOptions = {},
  ) {
    this.local = new LocalRouterService(config, options);
  }

  /** Whether any provider is configured without `models`, so that discovered lists matter (may change on reload). */
  get followsDiscoveredModels(): boolean {
    return this.local.followsDiscoveredModels;
  }

  /** Hears of every plan resolved, before the caller gets it (the adapters pin it to their providers of the time). */
  onPlan(listener: (plan: RoutePlan) => void): void {
    this.planListener = listener;
  }

  applyDiscoveredModels(discovered: DiscoveredModels): void {
    this.local.applyDiscoveredModels(discovered);
  }

  async resolveRoute(...args: Parameters<RouterService['resolveRoute']>): Promise<RoutePlan> {
    const plan = await this.local.resolveRoute(...args);
    this.planListener?.(plan);
    return plan;
  }

  listModels(...args: Parameters<RouterService['listModels']>): Promise<ModelEntry[]> {
    return this.local.listModels(...args);
  }

  prepare(config: SwitchyardConfig): PreparedReload {
    // Throws the ConfigError naming the path before anything is swapped; built the same way, it cannot throw at commit.
    new LocalRouterService(config, this.options);
    return { commit: () => this.local.applyConfig(config) };
  }
}
