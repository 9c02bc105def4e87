/**
 * An A/B test as the admin API stores it: a target (a managed prompt, or a
 * model for requests without a prompt), arms that each send traffic to a
 * prompt version and/or a model, how requests are split between them, the
 * metric compared and the rule that decides when one arm has won.
 */

export type ExperimentAssignmentMode = 'weighted' | 'sticky_user' | 'sticky_session';
export const ASSIGNMENT_MODES: readonly ExperimentAssignmentMode[] = ['weighted', 'sticky_user', 'sticky_session'];

/** What an experiment splits: the requests that use one prompt, or those that ask for one model without a prompt. */
export type ExperimentTarget = { prompt: string; model?: undefined } | { model: string; prompt?: undefined };

export interface ExperimentArm {
  name: string;
  /** The prompt version this arm serves (prompt experiments). */
  promptVersion?: number;
  /** The model this arm serves (model experiments; optional override in prompt experiments). */
  model?: string;
  /** A share of traffic relative to the other arms' weights (a positive number). */
  weight: number;
}

/**
 * What the test compares per request: its latency, its cost, whether it
 * failed, or a score attached to it (feedback through `POST /v1/feedback`,
 * or an evaluator's score, both stored by name in the scores table).
 */
export type ExperimentMetricKind = 'latency' | 'cost' | 'error_rate' | 'score';
export const METRIC_KINDS: readonly ExperimentMetricKind[] = ['latency', 'cost', 'error_rate', 'score'];

export interface ExperimentMetric {
  kind: ExperimentMetricKind;
  /** The score's name, for `score`. */
  scoreName?: string;
  /** Whether lower or higher is better: latency, cost and errors minimize, scores maximize by default. */
  goal: 'minimize' | 'maximize';
}

/**
 * When the sequential test declares a winner: with at least `minSamples`
 * requests in every arm, the leading arm wins once the mixture SPRT's
 * always-valid confidence against every other arm reaches `confidence`.
 */
export interface ExperimentStopping {
  /** 0.5 ≤ confidence < 1; the test's error rate is 1 − confidence (split over the comparisons). */
  confidence: number;
  minSamples: number;
  /**
   * The mixture's spread, as an effect size in standard deviations of the
   * metric: the size of difference the test is most sensitive to.
   */
  effectSize: number;
}

export type ExperimentStatus = 'running' | 'stopped';

export interface Experiment {
  id: string;
  organization: string;
  workspace: string;
  name: string;
  target: ExperimentTarget;
  arms: ExperimentArm[];
  assignment: ExperimentAssignmentMode;
  metric: ExperimentMetric;
  stopping: ExperimentStopping;
  status: ExperimentStatus;
  /** Set when stopped: every request of the target goes to this arm from then on. */
  winner?: string;
  /** ISO 8601. */
  createdAt: string;
  createdBy: string;
  stoppedAt?: string;
  stoppedBy?: string;
}

export type NewExperiment = Omit<Experiment, 'id' | 'status' | 'winner' | 'createdAt' | 'stoppedAt' | 'stoppedBy'>;

export const DEFAULT_STOPPING: ExperimentStopping = { confidence: 0.95, minSamples: 30, effectSize: 0.2 };
