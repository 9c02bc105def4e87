import { isDeepStrictEqual } from 'node:util';
import { ConfigError, type Logger, type SwitchyardConfig } from '@switchyard/shared';

export type ConfigSection = keyof SwitchyardConfig;

/** A new config made ready to serve, not yet serving. */
export interface PreparedReload {
  /** Starts serving it: swaps references only, so it cannot fail half-way. */
  commit(): void;
}

/**
 * A part of a running process that takes up a new config: the router's
 * routes, the adapters' providers, the router's snapshot publisher.
 */
export interface ConfigReloadTarget {
  readonly name: string;
  /** The top-level sections it applies while running; changes to the others wait for a restart. */
  readonly sections: readonly ConfigSection[];
  /**
   * Builds what `config` needs (route trees, adapters) beside what serves
   * now; throws a `ConfigError` naming the path when it cannot be served.
   */
  prepare(config: SwitchyardConfig): PreparedReload | Promise<PreparedReload>;
}

/**
 * A target that validates and swaps in one step, such as a router's
 * `applyConfig(config)`: it can refuse a config only while swapping, so it
 * must be the only target of its process, or the last one.
 */
export function applyConfigTarget(
  name: string,
  sections: readonly ConfigSection[],
  target: { applyConfig(config: SwitchyardConfig): void },
): ConfigReloadTarget {
  return { name, sections, prepare: (config) => ({ commit: () => target.applyConfig(config) }) };
}

export type ReloadTrigger = 'file' | 'signal';

export type ReloadOutcome =
  | { status: 'applied'; generation: number; changed: ConfigSection[]; restartRequired: ConfigSection[] }
  /** Nothing this process applies while running changed (`restartRequired`: what did, for the next start). */
  | { status: 'unchanged'; generation: number; restartRequired: ConfigSection[] }
  | { status: 'rejected'; generation: number; reason: string };

export interface ConfigReloaderOptions {
  /** The config the process started with. */
  initial: SwitchyardConfig;
  /** Where it is read from, for the logs; absent: the environment. */
  file?: string;
  /** Reads and validates the file as at startup (`loadConfig` with the same path, environment and role); throws `ConfigError`. */
  load: () => SwitchyardConfig;
  targets: readonly ConfigReloadTarget[];
  logger: Logger;
  /** Told of every outcome (metrics, the router's follower start). */
  onOutcome?: (outcome: ReloadOutcome, trigger: ReloadTrigger) => void;
}

/**
 * Read → validate → prepare every target → swap them all in one tick. An
 * invalid file is logged with the path of the problem and changes nothing:
 * the running config keeps serving. Requests already under way keep the
 * objects they started with. Reloads run one at a time; those asked for
 * while one runs make one more run after it.
 */
export class ConfigReloader {
  private applied: SwitchyardConfig;
  private generation = 0;
  private running: Promise<ReloadOutcome> | undefined;
  private queued: Promise<ReloadOutcome> | undefined;

  private readonly reloadable: ReadonlySet<ConfigSection>;

  constructor(private readonly options: ConfigReloaderOptions) {
    this.applied = options.initial;
    this.reloadable = new Set(options.targets.flatMap((target) => target.sections));
  }

  /** How many configs were applied since the start. */
  get currentGeneration(): number {
    return this.generation;
  }

  /** Never rejects: a problem is an outcome, logged. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    if (this.running === undefined) {
      this.running = this.run(trigger).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    // The file may have changed again after the running reload read it.
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.reload(trigger);
    });
    return this.queued;
  }

  private async run(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const outcome = await this.attempt(trigger);
    this.options.onOutcome?.(outcome, trigger);
    return outcome;
  }

  private async attempt(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const { logger, targets } = this.options;
    let config: SwitchyardConfig;
    let changed: ConfigSection[];
    let prepared: PreparedReload[];
    try {
      config = this.options.load();
      changed = changedSections(this.applied, config);
      const restartRequired = changed.filter((section) => !this.reloadable.has(section));
      if (restartRequired.length > 0) {
        logger.warn({ trigger, sections: restartRequired }, 'config-reload-restart-required: these sections apply at the next start');
      }
      if (restartRequired.length === changed.length) {
        logger.info({ trigger, file: this.options.file, generation: this.generation }, 'config-unchanged');
        return { status: 'unchanged', generation: this.generation, restartRequired };
      }
      const reloading = targets.filter((target) => target.sections.some((section) => changed.includes(section)));
      prepared = [];
      for (const target of reloading) prepared.push(await target.prepare(config));
    } catch (error) {
      // A ConfigError names the file and the path of each problem; anything else is a fault of ours, with its stack.
      const reason = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      logger.error(
        { trigger, file: this.options.file, generation: this.generation, reason },
        'config-reload-rejected: the running config keeps serving',
      );
      return { status: 'rejected', generation: this.generation, reason };
    }
    // Synchronous from here: no request sees some targets swapped and others not.
    for (const reload of prepared) reload.commit();
    const appliedSections = changed.filter((section) => this.reloadable.has(section));
    // Sections that wait for a restart keep what the process runs with, so they are reported again until then.
    const next: Record<string, unknown> = { ...this.applied };
    for (const section of appliedSections) next[section] = config[section];
    this.applied = next as SwitchyardConfig;
    this.generation += 1;
    logger.info({ trigger, file: this.options.file, generation: this.generation, sections: appliedSections }, 'config-reloaded');
    return {
      status: 'applied',
      generation: this.generation,
      changed: appliedSections,
      restartRequired: changed.filter((section) => !this.reloadable.has(section)),
    };
  }
}

/** Top-level sections whose values differ. */
export function changedSections(before: SwitchyardConfig, after: SwitchyardConfig): ConfigSection[] {
  const sections = new Set([...Object.keys(before), ...Object.keys(after)] as ConfigSection[]);
  return [...sections].filter((section) => !isDeepStrictEqual(before[section], after[section]));
}
