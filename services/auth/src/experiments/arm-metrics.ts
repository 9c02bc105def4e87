import type { SqlExecutor } from '@switchyard/database';
import type { Experiment, ExperimentMetric } from './experiment-model';
import type { ArmSample } from './sequential-test';

/** One score name's summary in an arm: feedback (`POST /v1/feedback`) and evaluator scores alike. */
export interface ArmScore {
  name: string;
  /** Requests with a numeric score of this name. */
  requests: number;
  mean: number;
}

/** What one arm's requests did. */
export interface ArmMetrics {
  arm: string;
  requests: number;
  succeeded: number;
  failed: number;
  /** failed / (succeeded + failed): a cancelled request is the client's doing, not the arm's. */
  errorRate: number;
  /** Of succeeded requests, in milliseconds; null without any. */
  latencyMeanMs: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  costMeanUsd: number | null;
  costTotalUsd: number;
  scores: ArmScore[];
  /** The experiment's metric over this arm's requests, for the sequential test. */
  sample: ArmSample;
}

interface RequestAggregateRow {
  arm: string;
  requests: string | number;
  succeeded: string | number;
  failed: string | number;
  latency_mean: number | null;
  latency_variance: number | null;
  latency_p50: number | null;
  latency_p95: number | null;
  cost_mean: number | null;
  cost_variance: number | null;
  cost_total: number | null;
  error_variance: number | null;
}

interface ScoreAggregateRow {
  arm: string;
  name: string;
  requests: string | number;
  mean: number;
  variance: number | null;
}

/**
 * Per-arm metrics of an experiment from the records database (`requests`,
 * `scores`): only the experiment's requests of its workspace, up to when it
 * stopped (after that every request is the winner's). A score on a request
 * counts for it; a score on a trace counts for every request of the trace;
 * several scores of one name on a request are averaged into one value.
 */
export async function queryArmMetrics(records: SqlExecutor, experiment: Experiment): Promise<ArmMetrics[]> {
  const parameters = [experiment.workspace, experiment.id, experiment.stoppedAt ?? null];
  const scope = `r.workspace = $1 AND r.experiment_id = $2 AND ($3::timestamptz IS NULL OR r.occurred_at <= $3::timestamptz)`;
  const [requestRows, scoreRows] = await Promise.all([
    records.query<RequestAggregateRow>(
      `SELECT r.experiment_arm AS arm,
         count(*) AS requests,
         count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
         count(*) FILTER (WHERE r.status = 'failed') AS failed,
         avg(r.latency_ms) FILTER (WHERE r.status = 'succeeded') AS latency_mean,
         var_samp(r.latency_ms) FILTER (WHERE r.status = 'succeeded') AS latency_variance,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms) FILTER (WHERE r.status = 'succeeded') AS latency_p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms) FILTER (WHERE r.status = 'succeeded') AS latency_p95,
         avg(r.cost_usd) FILTER (WHERE r.status = 'succeeded') AS cost_mean,
         var_samp(r.cost_usd) FILTER (WHERE r.status = 'succeeded') AS cost_variance,
         sum(r.cost_usd) AS cost_total,
         var_samp(CASE WHEN r.status = 'failed' THEN 1.0 ELSE 0.0 END) FILTER (WHERE r.status IN ('succeeded', 'failed')) AS error_variance
       FROM requests r WHERE ${scope} GROUP BY r.experiment_arm`,
      parameters,
    ),
    records.query<ScoreAggregateRow>(
      `WITH per_request AS (
         SELECT r.experiment_arm AS arm, r.request_id, s.name, avg(s.numeric_value) AS value
         FROM requests r
         JOIN scores s ON s.workspace = r.workspace AND s.numeric_value IS NOT NULL
           AND ((s.on_request AND s.request_id = r.request_id) OR (NOT s.on_request AND s.trace_id = r.trace_id))
         WHERE ${scope}
         GROUP BY r.experiment_arm, r.request_id, s.name)
       SELECT arm, name, count(*) AS requests, avg(value) AS mean, var_samp(value) AS variance
       FROM per_request GROUP BY arm, name ORDER BY arm, name`,
      parameters,
    ),
  ]);
  const byArm = new Map(requestRows.map((row) => [row.arm, row]));
  return experiment.arms.map((arm) => {
    const row = byArm.get(arm.name);
    const scores = scoreRows.filter((score) => score.arm === arm.name);
    const succeeded = Number(row?.succeeded ?? 0);
    const failed = Number(row?.failed ?? 0);
    const errorRate = succeeded + failed === 0 ? 0 : failed / (succeeded + failed);
    return {
      arm: arm.name,
      requests: Number(row?.requests ?? 0),
      succeeded,
      failed,
      errorRate,
      latencyMeanMs: numberOrNull(row?.latency_mean),
      latencyP50Ms: numberOrNull(row?.latency_p50),
      latencyP95Ms: numberOrNull(row?.latency_p95),
      costMeanUsd: numberOrNull(row?.cost_mean),
      costTotalUsd: Number(row?.cost_total ?? 0),
      scores: scores.map((score) => ({ name: score.name, requests: Number(score.requests), mean: Number(score.mean) })),
      sample: sampleOf(arm.name, experiment.metric, { succeeded, failed, errorRate, row, scores }),
    };
  });
}

function sampleOf(
  arm: string,
  metric: ExperimentMetric,
  known: { succeeded: number; failed: number; errorRate: number; row?: RequestAggregateRow; scores: ScoreAggregateRow[] },
): ArmSample {
  const { row } = known;
  switch (metric.kind) {
    case 'latency':
      return { arm, count: known.succeeded, mean: Number(row?.latency_mean ?? 0), variance: Number(row?.latency_variance ?? 0) };
    case 'cost':
      return { arm, count: known.succeeded, mean: Number(row?.cost_mean ?? 0), variance: Number(row?.cost_variance ?? 0) };
    case 'error_rate':
      return { arm, count: known.succeeded + known.failed, mean: known.errorRate, variance: Number(row?.error_variance ?? 0) };
    case 'score': {
      const score = known.scores.find((each) => each.name === metric.scoreName);
      return { arm, count: Number(score?.requests ?? 0), mean: Number(score?.mean ?? 0), variance: Number(score?.variance ?? 0) };
    }
  }
}

function numberOrNull(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
