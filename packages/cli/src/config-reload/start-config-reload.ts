import type { Registry } from 'prom-client';
import type { Logger, SwitchyardConfig } from '@switchyard/shared';
import { ConfigReloadMetrics } from './config-reload-metrics';
import { ConfigFileWatcher } from './config-file-watcher';
import { ConfigReloader, type ConfigReloadTarget, type ReloadOutcome, type ReloadTrigger } from './config-reloader';

export interface StartConfigReloadOptions {
  /** The config file; absent (a config from the environment alone): SIGHUP only. */
  path: string | undefined;
  initial: SwitchyardConfig;
  /** Reads and validates the file as at startup. */
  load: () => SwitchyardConfig;
  targets: readonly ConfigReloadTarget[];
  logger: Logger;
  /** Where SIGHUP is heard; the process unless a test passes its own emitter. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  onOutcome?: (outcome: ReloadOutcome, trigger: ReloadTrigger) => void;
  /** Where `switchyard_config_reloads_total` and `switchyard_config_generation` go (a process with a /metrics). */
  registry?: Registry;
}

export interface RunningConfigReload {
  reloader: ConfigReloader;
  /** Stops watching and listening for SIGHUP; a reload under way finishes. */
  close(): void;
}

/**
 * Reloads the config on SIGHUP and, with `configReload.watch`, whenever the
 * file changes. Listening for SIGHUP also keeps it from ending the process
 * (its default).
 */
export async function startConfigReload(options: StartConfigReloadOptions): Promise<RunningConfigReload> {
  const settings: SwitchyardConfig['configReload'] = options.initial.configReload;
  const metrics = options.registry && new ConfigReloadMetrics(options.registry);
  const reloader = new ConfigReloader({
    initial: options.initial,
    file: options.path,
    load: options.load,
    targets: options.targets,
    logger: options.logger,
    onOutcome: (outcome, trigger) => {
      metrics?.record(outcome);
      options.onOutcome?.(outcome, trigger);
    },
  });
  const signals = options.signals ?? process;
  const onSignal = () => void reloader.reload('signal');
  signals.on('SIGHUP', onSignal);
  let watcher: ConfigFileWatcher | undefined;
  if (options.path !== undefined && settings.watch) {
    watcher = new ConfigFileWatcher({
      path: options.path,
      debounceMs: settings.debounceMs,
      pollIntervalMs: settings.pollIntervalMs,
      onChange: () => void reloader.reload('file'),
      logger: options.logger,
    });
    await watcher.start();
  }
  options.logger.info(
    { path: options.path, watch: watcher !== undefined, reloads: [...new Set(options.targets.flatMap((target) => target.sections))] },
    'config-reload-ready',
  );
  return {
    reloader,
    close: () => {
      signals.off('SIGHUP', onSignal);
      watcher?.close();
    },
  };
}
