import type { ExperimentAssigner, ExperimentAssignment, ExperimentSubject } from '@switchyard/shared';
import { ReloadedSnapshot, type SnapshotAttachOptions } from '../change-bus/reloaded-snapshot';
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
  private readonly snapshot = new ReloadedSnapshot<Map<string, Experiment>>(
    { reloadFailed: 'experiments-reload-failed: assigning with the last experiments read', publishFailed: 'experiment-changes-publish-failed' },
    new Map(),
    DEFAULT_EXPERIMENTS_RELOAD_INTERVAL_MS,
  );
  private readonly random: RandomSource;

  constructor(options: ExperimentAssignerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  attach(store: ExperimentStore, bus: LimitChangeBus, options: SnapshotAttachOptions = {}): Promise<void> {
    return this.snapshot.attach(
      async () =>
        new Map(
          (await store.listRouting()).map((experiment) => [
            routingKey(
              experiment.workspace,
              experiment.target.prompt === undefined ? 'model' : 'prompt',
              experiment.target.prompt ?? experiment.target.model,
            ),
            experiment,
          ]),
        ),
      bus,
      options,
    );
  }

  /** A prompt experiment when `target.prompt` is given, else a model experiment of `target.model`; undefined when none routes it. */
  assign(workspace: string, target: { prompt?: string; model?: string }, subject: ExperimentSubject): ExperimentAssignment | undefined {
    const key =
      target.prompt !== undefined
        ? routingKey(workspace, 'prompt', target.prompt)
        : target.model !== undefined
          ? routingKey(workspace, 'model', target.model)
          : undefined;
    const experiment = key === undefined ? undefined : this.snapshot.value.get(key);
    return experiment && assignArm(experiment, subject, this.random);
  }

  reload(): Promise<void> {
    return this.snapshot.reload();
  }

  /** After a change made in this process: reloads here before answering, and tells the other processes. Never throws. */
  changed(): Promise<void> {
    return this.snapshot.changed();
  }

  close(): Promise<void> {
    return this.snapshot.close();
  }
}

function routingKey(workspace: string, kind: 'prompt' | 'model', name: string): string {
  return `${workspace}\u0000${kind}\u0000${name}`;
}
