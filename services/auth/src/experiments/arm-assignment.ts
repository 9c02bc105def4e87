import { createHash } from 'node:crypto';
import type { ExperimentAssignment, ExperimentSubject } from '@switchyard/shared';
import type { Experiment, ExperimentArm } from './experiment-model';

/** A number in [0, 1); injected so that tests and simulations are seeded. */
export type RandomSource = () => number;

/**
 * The arm a request goes to. A stopped experiment sends everything to its
 * winner. `weighted` draws from `random`; `sticky_user` / `sticky_session`
 * hash the experiment id with the user (session), so a user stays on one
 * arm in every process and across restarts, and a request without one is
 * drawn at random like `weighted`.
 */
export function assignArm(experiment: Experiment, subject: ExperimentSubject, random: RandomSource = Math.random): ExperimentAssignment {
  const arm =
    experiment.status === 'stopped' && experiment.winner !== undefined
      ? armNamed(experiment, experiment.winner)
      : pickArm(experiment, subject, random);
  return {
    experimentId: experiment.id,
    arm: arm.name,
    ...(arm.promptVersion === undefined ? {} : { promptVersion: arm.promptVersion }),
    ...(arm.model === undefined ? {} : { model: arm.model }),
  };
}

function pickArm(experiment: Experiment, subject: ExperimentSubject, random: RandomSource): ExperimentArm {
  const sticky = experiment.assignment === 'sticky_user' ? subject.user : experiment.assignment === 'sticky_session' ? subject.sessionId : undefined;
  const point = sticky ? stickyPoint(experiment.id, sticky) : random();
  return armAt(experiment.arms, point);
}

/** The arm whose share of the total weight covers `point` ∈ [0, 1). */
export function armAt(arms: readonly ExperimentArm[], point: number): ExperimentArm {
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  let reached = 0;
  for (const arm of arms) {
    reached += arm.weight / total;
    if (point < reached) return arm;
  }
  // Rounding may leave the sum a hair below 1.
  return arms[arms.length - 1];
}

/** sha256(experiment id, subject) as a point in [0, 1): uniform, and the same everywhere. */
export function stickyPoint(experimentId: string, subject: string): number {
  const digest = createHash('sha256').update(experimentId).update('\0').update(subject).digest();
  // 48 bits are exact in a double.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function armNamed(experiment: Experiment, name: string): ExperimentArm {
  return experiment.arms.find((arm) => arm.name === name) ?? experiment.arms[0];
}
