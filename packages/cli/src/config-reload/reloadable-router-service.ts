import { LocalRouterService, type LocalRouterServiceOptions } from '@switchyard/router';
import type { DiscoveredModels, ModelEntry, RoutePlan, RouterService, SwitchyardConfig } from '@switchyard/shared';
import type { ConfigReloadTarget, PreparedReload } from './config-reloader';

/**
 * The router, rebuilt from each reloaded config: a new `LocalRouterService`
 * is built beside the one serving (its route trees checked, the last
 * discovered model lists applied), then takes its place. A plan already
 * resolved is the old router's, and is run as it is.
 */
export class ReloadableRouterService implements RouterService, ConfigReloadTarget {
  readonly name = 'router';
  readonly sections = ['providers', 'routes'] as const;
  private current: LocalRouterService;
  private discovered: DiscoveredModels | undefined;
  private planListener: ((plan: RoutePlan) => void) | undefined;

  /** Throws `ConfigError` for a route that names an unknown provider or does not suit its strategy. */
  constructor(
    config: SwitchyardConfig,
    private readonly options: LocalRouterServiceOptions = {},
  ) {
    this.current = new LocalRouterService(config, options);
  }

  /** Whether any provider is configured without `models`, so that discovered lists matter (may change on reload). */
  get followsDiscoveredModels(): boolean {
    return this.current.followsDiscoveredModels;
  }

  /** Hears of every plan resolved, before the caller gets it (the adapters pin it to their providers of the time). */
  onPlan(listener: (plan: RoutePlan) => void): void {
    this.planListener = listener;
  }

  applyDiscoveredModels(discovered: DiscoveredModels): void {
    this.discovered = discovered;
    this.current.applyDiscoveredModels(discovered);
  }

  async resolveRoute(...args: Parameters<RouterService['resolveRoute']>): Promise<RoutePlan> {
    const plan = await this.current.resolveRoute(...args);
    this.planListener?.(plan);
    return plan;
  }

  listModels(...args: Parameters<RouterService['listModels']>): Promise<ModelEntry[]> {
    return this.current.listModels(...args);
  }

  prepare(config: SwitchyardConfig): PreparedReload {
    const next = new LocalRouterService(config, this.options);
    return {
      commit: () => {
        // Lists that came while the new router was being built are applied too.
        if (this.discovered !== undefined) next.applyDiscoveredModels(this.discovered);
        this.current = next;
      },
    };
  }
}
