import type { ExperimentMetric, ExperimentStopping } from './experiment-model';

/** One arm's sample of the metric: how many requests, their mean and (unbiased) variance. */
export interface ArmSample {
  arm: string;
  count: number;
  mean: number;
  variance: number;
}

export interface PairwiseEvidence {
  /** The arm compared with the leader. */
  arm: string;
  /** Leader's mean minus this arm's. */
  difference: number;
  /** The mixture likelihood ratio Λ (as its natural logarithm, since it can overflow). */
  logLikelihoodRatio: number;
  /** min(1, 1/Λ): an always-valid p-value for "no difference". */
  pValue: number;
}

export interface SequentialTestResult {
  method: 'mSPRT';
  /** The arm with the best mean so far (by the metric's goal); undefined with no data. */
  leader?: string;
  /** The leader, once the stopping rule holds; undefined until then. */
  winner?: string;
  /**
   * 1 − (arms − 1) · max p-value, in [0, 1]: the always-valid confidence that
   * the leader is better than every other arm (Bonferroni over the comparisons).
   */
  confidence: number;
  /** Whether every arm has `minSamples` requests. */
  enoughSamples: boolean;
  comparisons: PairwiseEvidence[];
}

/**
 * The mixture sequential probability ratio test (Johari, Pekelis & Walsh,
 * "Always valid inference", 2017) on the difference of two means, with the
 * normal approximation and plug-in variances: for the difference θ̂ of the
 * means and its variance V = s²ₐ/nₐ + s²ᵦ/nᵦ, with a N(0, τ²) mixture over
 * the true difference,
 *
 *   Λ = √(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))).
 *
 * Under "no difference" P(Λ ever reaches 1/α) ≤ α, so the test may be read
 * after every request and stopped at any time: 1/Λ is a p-value that stays
 * valid however often it is looked at. Proportions (`error_rate`, thumbs
 * scores) are means of 0/1 values. τ is `effectSize` pooled standard
 * deviations.
 *
 * Stopping rule: once every arm has `minSamples` requests, the leading arm
 * wins when its confidence against every other arm reaches
 * `stopping.confidence`, the error rate split equally over the comparisons.
 */
export function sequentialTest(
  samples: readonly ArmSample[],
  metric: Pick<ExperimentMetric, 'goal'>,
  stopping: ExperimentStopping,
): SequentialTestResult {
  const observed = samples.filter((sample) => sample.count > 0);
  const enoughSamples = samples.length > 1 && samples.every((sample) => sample.count >= stopping.minSamples);
  if (observed.length === 0) return { method: 'mSPRT', confidence: 0, enoughSamples, comparisons: [] };
  const better = metric.goal === 'minimize' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  const leader = observed.reduce((best, sample) => (better(sample.mean, best.mean) ? sample : best));
  const others = samples.filter((sample) => sample !== leader);
  const comparisons = others.map((other) => compare(leader, other, stopping.effectSize));
  // An arm without data cannot be beaten yet.
  const worstPValue = comparisons.reduce((worst, comparison) => Math.max(worst, comparison.pValue), others.length === 0 ? 1 : 0);
  const confidence = others.length === 0 ? 0 : clamp(1 - others.length * worstPValue);
  const winner = enoughSamples && confidence >= stopping.confidence ? leader.arm : undefined;
  return { method: 'mSPRT', leader: leader.arm, ...(winner === undefined ? {} : { winner }), confidence, enoughSamples, comparisons };
}

function compare(leader: ArmSample, other: ArmSample, effectSize: number): PairwiseEvidence {
  const difference = leader.mean - other.mean;
  if (other.count < 2 || leader.count < 2 || difference === 0) return { arm: other.arm, difference, logLikelihoodRatio: 0, pValue: 1 };
  const variance = Math.max(leader.variance / leader.count + other.variance / other.count, Number.MIN_VALUE);
  const pooledVariance = (leader.variance + other.variance) / 2;
  const mixtureVariance = Math.max(effectSize * effectSize * pooledVariance, Number.MIN_VALUE);
  const logLikelihoodRatio =
    0.5 * Math.log(variance / (variance + mixtureVariance)) +
    (mixtureVariance * difference * difference) / (2 * variance * (variance + mixtureVariance));
  // Identical samples with no spread at all: a difference with zero variance is certain.
  const pValue = Number.isNaN(logLikelihoodRatio) ? 0 : Math.min(1, Math.exp(-logLikelihoodRatio));
  return { arm: other.arm, difference, logLikelihoodRatio, pValue };
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
