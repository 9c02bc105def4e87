import type { EvaluationRun, ItemResult, PromotionPolicy } from './evaluation-store';

/** One evaluator's scores over a run: the mean of the items it scored, and how many it could not. */
export interface ScoreSummary {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  errors: number;
}

/** A run's progress and aggregated scores, per evaluator. */
export function summarizeScores(run: EvaluationRun, results: readonly ItemResult[]): Record<string, ScoreSummary> {
  const summaries: Record<string, ScoreSummary> = {};
  for (const evaluator of run.evaluators) {
    const values: number[] = [];
    let errors = 0;
    for (const result of results) {
      const score = result.scores[evaluator.name];
      if (score?.score !== undefined) values.push(score.score);
      else errors++;
    }
    summaries[evaluator.name] = {
      count: values.length,
      mean: values.length === 0 ? null : round(values.reduce((sum, value) => sum + value, 0) / values.length),
      // reduce, not Math.min(...values): a dataset may hold more items than a call takes arguments.
      min: values.length === 0 ? null : values.reduce((least, value) => Math.min(least, value)),
      max: values.length === 0 ? null : values.reduce((most, value) => Math.max(most, value)),
      errors,
    };
  }
  return summaries;
}

/**
 * A run as the API shows it. A run still marked running whose lease has
 * lapsed lost its process (a crash, a restart): it shows as interrupted,
 * which is what it is, ready to resume.
 */
export function runView(run: EvaluationRun, results: readonly ItemResult[], now: number = Date.now()) {
  const failed = results.filter((result) => result.error !== undefined).length;
  const orphaned = run.status === 'running' && run.leaseExpiresAt !== undefined && run.leaseExpiresAt.getTime() < now;
  return {
    object: 'evaluation_run' as const,
    id: run.id,
    workspace: run.workspace,
    dataset: run.dataset,
    prompt: run.prompt ?? null,
    model: run.model,
    evaluators: run.evaluators,
    concurrency: run.concurrency,
    status: orphaned ? ('interrupted' as const) : run.status,
    failure_reason: run.error ?? null,
    progress: { total: run.totalItems, done: results.length, failed, fraction: run.totalItems === 0 ? 1 : round(results.length / run.totalItems) },
    scores: summarizeScores(run, results),
    created_at: run.createdAt,
    created_by: run.createdBy,
    started_at: run.startedAt ?? null,
    finished_at: run.finishedAt ?? null,
  };
}

export function resultView(result: ItemResult) {
  return {
    item_id: result.itemId,
    request_id: result.requestId ?? null,
    output: result.output ?? null,
    error: result.error ?? null,
    scores: result.scores,
  };
}

/**
 * Two runs side by side: per evaluator the means and their difference
 * (b − a), and per item (matched by dataset item id) both scores and the
 * difference. An evaluator or item only one run has shows null for the other.
 */
export function compareRuns(a: EvaluationRun, resultsA: readonly ItemResult[], b: EvaluationRun, resultsB: readonly ItemResult[]) {
  const summaryA = summarizeScores(a, resultsA);
  const summaryB = summarizeScores(b, resultsB);
  const names = [...new Set([...Object.keys(summaryA), ...Object.keys(summaryB)])];
  const evaluators = Object.fromEntries(
    names.map((name) => {
      const meanA = summaryA[name]?.mean ?? null;
      const meanB = summaryB[name]?.mean ?? null;
      return [name, { a: summaryA[name] ?? null, b: summaryB[name] ?? null, delta: meanA === null || meanB === null ? null : round(meanB - meanA) }];
    }),
  );
  const byItemA = new Map(resultsA.map((result) => [result.itemId, result]));
  const byItemB = new Map(resultsB.map((result) => [result.itemId, result]));
  const itemIds = [...new Set([...byItemA.keys(), ...byItemB.keys()])].sort();
  const items = itemIds.map((itemId) => {
    const resultA = byItemA.get(itemId);
    const resultB = byItemB.get(itemId);
    const scores = Object.fromEntries(
      names.map((name) => {
        const scoreA = resultA?.scores[name]?.score ?? null;
        const scoreB = resultB?.scores[name]?.score ?? null;
        return [name, { a: scoreA, b: scoreB, delta: scoreA === null || scoreB === null ? null : round(scoreB - scoreA) }];
      }),
    );
    return { item_id: itemId, output_a: resultA?.output ?? null, output_b: resultB?.output ?? null, scores };
  });
  return {
    object: 'evaluation_comparison' as const,
    a: { id: a.id, dataset: a.dataset, prompt: a.prompt ?? null, model: a.model, status: a.status },
    b: { id: b.id, dataset: b.dataset, prompt: b.prompt ?? null, model: b.model, status: b.status },
    same_dataset: a.dataset === b.dataset,
    evaluators,
    items,
  };
}

/** A threshold the run did not reach. */
export interface FailingScore {
  evaluator: string;
  min_mean: number;
  mean: number | null;
  reason: string;
}

/**
 * Whether `run` passes `policy`: complete, over the policy's dataset when it
 * names one, and every thresholded evaluator's mean at least its `min_mean`
 * (an evaluator the run lacks, or whose mean is null, fails).
 */
export function checkPolicy(policy: PromotionPolicy, run: EvaluationRun, results: readonly ItemResult[]): FailingScore[] {
  const summary = summarizeScores(run, results);
  const failing: FailingScore[] = [];
  for (const [evaluator, { minMean }] of Object.entries(policy.evaluators)) {
    const mean = summary[evaluator]?.mean ?? null;
    if (summary[evaluator] === undefined) failing.push({ evaluator, min_mean: minMean, mean, reason: 'The run has no evaluator of this name.' });
    else if (mean === null) failing.push({ evaluator, min_mean: minMean, mean, reason: 'No item was scored.' });
    else if (mean < minMean) failing.push({ evaluator, min_mean: minMean, mean, reason: `The mean ${mean} is below ${minMean}.` });
  }
  return failing;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
