import type { ExperimentAssigner, ExperimentAssignment, ExperimentSubject, Logger } from '@switchyard/shared';
import type { LimitChangeBus } from '../stored-limits/limit-change-bus';
import { assignArm, type RandomSource } from './arm-assignment';
import type { Experiment } from './experiment-model';
import type { ExperimentStore } from './experiment-store';

/** The Redis channel experiment changes are announced on (a `RedisLimitChangeBus` on this channel). */
export const EXPERIMENT_CHANGES_CHANNEL = 'switchyard:auth:experiment-changes';

/** How often the experiments are read again even without a change message: the backstop for a lost one. */
export const DEFAULT_EXPERIMENTS_RELOAD_INTERVAL_MS = 30_000;

export interface ExperimentAssignerOptions {
  /** Draws for `weighted` splits; `Math.random` by default (tests seed it). */
  random?: RandomSource;
}

/**
 * The gateway's `ExperimentAssigner`: the experiments that route traffic
 * (running ones, and the newest stopped one of a target, which sends all to
 * its winner) as an in-memory snapshot, so a request is assigned without a
 * database call. Empty until `attach` loads it; reloaded at once after a
 * change made here (`changed`), on every change message from another
 * process, and every `reloadIntervalMs`. A reload that fails keeps the last
 * snapshot.
 */
export class StoredExperimentAssigner implements ExperimentAssigner {
  private routing = new Map<string, Experiment>();
  private store?: ExperimentStore;
  private bus?: LimitChangeBus;
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private logger?: Logger;
  private started = 0;
  private applied = 0;
  private readonly random: RandomSource;

  constructor(options: ExperimentAssignerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  async attach(store: ExperimentStore, bus: LimitChangeBus, options: { logger?: Logger; reloadIntervalMs?: number } = {}): Promise<void> {
    this.store = store;
    this.bus = bus;
    this.logger = options.logger;
    await this.reload();
    this.unsubscribe = bus.subscribe(() => {
      this.reload().catch(() => undefined);
    });
    this.timer = setInterval(() => {
      this.reload().catch(() => undefined);
    }, options.reloadIntervalMs ?? DEFAULT_EXPERIMENTS_RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  /** A prompt experiment when `target.prompt` is given, else a model experiment of `target.model`; undefined when none routes it. */
  assign(workspace: string, target: { prompt?: string; model?: string }, subject: ExperimentSubject): ExperimentAssignment | undefined {
    const key =
      target.prompt !== undefined
        ? routingKey(workspace, 'prompt', target.prompt)
        : target.model !== undefined
          ? routingKey(workspace, 'model', target.model)
          : undefined;
    const experiment = key === undefined ? undefined : this.routing.get(key);
    return experiment && assignArm(experiment, subject, this.random);
  }

  async reload(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const number = ++this.started;
    try {
      const experiments = await store.listRouting();
      if (number < this.applied) return;
      this.applied = number;
      this.routing = new Map(
        experiments.map((experiment) => [
          routingKey(
            experiment.workspace,
            experiment.target.prompt === undefined ? 'model' : 'prompt',
            experiment.target.prompt ?? experiment.target.model,
          ),
          experiment,
        ]),
      );
    } catch (error) {
      this.logger?.warn({ err: error }, 'experiments-reload-failed: assigning with the last experiments read');
      throw error;
    }
  }

  /** After a change made in this process: reloads here before answering, and tells the other processes. Never throws. */
  async changed(): Promise<void> {
    await this.reload().catch(() => undefined);
    await this.bus?.publish().catch((error: unknown) => this.logger?.warn({ err: error }, 'experiment-changes-publish-failed'));
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.bus?.close();
  }
}

function routingKey(workspace: string, kind: 'prompt' | 'model', name: string): string {
  return `${workspace}\u0000${kind}\u0000${name}`;
}
