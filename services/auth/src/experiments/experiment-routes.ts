import express, { type Response, type Router } from 'express';
import type { SqlExecutor } from '@switchyard/database';
import { invalidRequest, type Principal } from '@switchyard/shared';
import type { AdminActionReporter } from '../admin-api/admin-action-event';
import { bodyObject } from '../admin-api/admin-input';
import { checkSlug } from '../organizations/names';
import { can } from '../rbac/can';
import type { Action } from '../rbac/permission-matrix';
import { alreadyExists, conflict, isUniqueViolation, notFound } from '../storage/governance-errors';
import type { GovernanceStore } from '../storage/governance-store';
import { permissionDenied } from '../tokens/token-errors';
import { queryArmMetrics, type ArmMetrics } from './arm-metrics';
import { parseExperimentInput } from './experiment-input';
import type { Experiment } from './experiment-model';
import type { ExperimentStore } from './experiment-store';
import { sequentialTest, type SequentialTestResult } from './sequential-test';
import type { StoredExperimentAssigner } from './stored-experiment-assigner';

export interface ExperimentRoutesOptions {
  governance: GovernanceStore;
  store: ExperimentStore;
  /** Told of every change, so this process and the others route by it at once. */
  assigner: StoredExperimentAssigner;
  /** The records database (`requests`, `scores`), where the per-arm metrics come from. */
  records: SqlExecutor;
}

interface Locals {
  principal: Principal;
  reportAdminAction: AdminActionReporter;
}

/**
 * `/workspaces/{workspace}/experiments` of the admin API (A/B tests), mounted
 * by the admin router after authentication. Everything is scoped to the
 * workspace in the path: another workspace's experiment is a 404. Creating
 * and stopping take `experiments.manage` and are audited; reading takes
 * `experiments.read`.
 */
export function createExperimentRoutes(options: ExperimentRoutesOptions): Router {
  const { governance, store, assigner, records } = options;
  const router = express.Router();
  const localsOf = (response: Response) => response.locals as Locals;

  /** The workspace of the path, once the caller may take `action` in it (a denial is reported). */
  async function workspaceFor(response: Response, id: unknown, action: Action): Promise<{ id: string; organization: string }> {
    const workspaceId = checkSlug(id, 'workspace');
    const workspace = await governance.getWorkspace(workspaceId);
    if (workspace === undefined) throw notFound('The workspace', workspaceId, 'workspace');
    const { principal, reportAdminAction } = localsOf(response);
    const target = { type: 'experiment' as const, id: workspace.id, organization: workspace.organization, workspace: workspace.id };
    if (!can(principal, action, target)) {
      const reason = `Your role does not allow \`${action}\` in workspace \`${workspace.id}\`.`;
      await reportAdminAction({ action, outcome: 'denied', target, reason });
      throw permissionDenied(reason);
    }
    return workspace;
  }

  async function experimentOf(workspace: string, id: string): Promise<Experiment> {
    const experiment = await store.get(workspace, id);
    if (experiment === undefined) throw notFound(`In workspace \`${workspace}\` the experiment`, id);
    return experiment;
  }

  router.post('/workspaces/:workspace/experiments', async (request, response) => {
    const input = parseExperimentInput(request.body);
    const workspace = await workspaceFor(response, request.params.workspace, 'experiments.manage');
    const { principal, reportAdminAction } = localsOf(response);
    let created: Experiment;
    try {
      created = await store.create({ ...input, organization: workspace.organization, workspace: workspace.id, createdBy: principal.subject });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const running = (await store.list(workspace.id)).find(
        (each) => each.status === 'running' && each.target.prompt === input.target.prompt && each.target.model === input.target.model,
      );
      if (running !== undefined && running.name !== input.name)
        throw conflict(`Experiment \`${running.name}\` (${running.id}) already splits this target; stop it first.`, 'experiment_running');
      throw alreadyExists(`In workspace \`${workspace.id}\` the experiment`, input.name, 'name');
    }
    await assigner.changed();
    const view = experimentView(created);
    await reportAdminAction({ action: 'experiments.manage', outcome: 'allowed', target: targetOf(created), after: view });
    response.status(201).json(view);
  });

  router.get('/workspaces/:workspace/experiments', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'experiments.read');
    response.json({ object: 'list', data: (await store.list(workspace.id)).map(experimentView) });
  });

  router.get('/workspaces/:workspace/experiments/:id', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'experiments.read');
    response.json(experimentView(await experimentOf(workspace.id, request.params.id)));
  });

  router.get('/workspaces/:workspace/experiments/:id/results', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'experiments.read');
    const experiment = await experimentOf(workspace.id, request.params.id);
    const arms = await queryArmMetrics(records, experiment);
    response.json(
      resultsView(
        experiment,
        arms,
        sequentialTest(
          arms.map((arm) => arm.sample),
          experiment.metric,
          experiment.stopping,
        ),
      ),
    );
  });

  router.post('/workspaces/:workspace/experiments/:id/stop', async (request, response) => {
    const body = bodyObject(request.body, ['winner']);
    const workspace = await workspaceFor(response, request.params.workspace, 'experiments.manage');
    const experiment = await experimentOf(workspace.id, request.params.id);
    if (experiment.status !== 'running')
      throw conflict(`The experiment \`${experiment.id}\` is already stopped (winner \`${experiment.winner}\`).`, 'experiment_stopped');
    let winner: string;
    if (body.winner !== undefined && body.winner !== null) {
      if (typeof body.winner !== 'string' || !experiment.arms.some((arm) => arm.name === body.winner))
        throw invalidRequest(`\`winner\` must name one of the arms: ${experiment.arms.map((arm) => arm.name).join(', ')}.`, 'winner');
      winner = body.winner;
    } else {
      const arms = await queryArmMetrics(records, experiment);
      const test = sequentialTest(
        arms.map((arm) => arm.sample),
        experiment.metric,
        experiment.stopping,
      );
      if (test.winner === undefined)
        throw conflict(
          `The test has no winner yet (leader ${test.leader === undefined ? 'none' : `\`${test.leader}\``}, confidence ${test.confidence.toFixed(4)} of ${experiment.stopping.confidence} needed${test.enoughSamples ? '' : `, fewer than ${experiment.stopping.minSamples} requests in an arm`}); name the \`winner\` to stop it anyway.`,
          'no_winner',
        );
      winner = test.winner;
    }
    const stopped = await store.stop(workspace.id, experiment.id, winner, localsOf(response).principal.subject);
    if (stopped === undefined) throw conflict(`The experiment \`${experiment.id}\` was stopped meanwhile.`, 'experiment_stopped');
    await assigner.changed();
    const view = experimentView(stopped);
    await localsOf(response).reportAdminAction({
      action: 'experiments.manage',
      outcome: 'allowed',
      target: targetOf(stopped),
      before: experimentView(experiment),
      after: view,
    });
    response.json(view);
  });

  return router;
}

function targetOf(experiment: Experiment) {
  return { type: 'experiment' as const, id: experiment.id, organization: experiment.organization, workspace: experiment.workspace };
}

export function experimentView(experiment: Experiment) {
  return {
    object: 'experiment' as const,
    id: experiment.id,
    workspace: experiment.workspace,
    name: experiment.name,
    target: experiment.target.prompt === undefined ? { model: experiment.target.model } : { prompt: experiment.target.prompt },
    arms: experiment.arms.map((arm) => ({
      name: arm.name,
      prompt_version: arm.promptVersion ?? null,
      model: arm.model ?? null,
      weight: arm.weight,
    })),
    assignment: experiment.assignment,
    metric: { kind: experiment.metric.kind, score_name: experiment.metric.scoreName ?? null, goal: experiment.metric.goal },
    stopping: {
      confidence: experiment.stopping.confidence,
      min_samples: experiment.stopping.minSamples,
      effect_size: experiment.stopping.effectSize,
    },
    status: experiment.status,
    winner: experiment.winner ?? null,
    created_at: experiment.createdAt,
    created_by: experiment.createdBy,
    stopped_at: experiment.stoppedAt ?? null,
    stopped_by: experiment.stoppedBy ?? null,
  };
}

function resultsView(experiment: Experiment, arms: ArmMetrics[], test: SequentialTestResult) {
  return {
    object: 'experiment.results' as const,
    experiment: experiment.id,
    status: experiment.status,
    metric: { kind: experiment.metric.kind, score_name: experiment.metric.scoreName ?? null, goal: experiment.metric.goal },
    arms: arms.map((arm) => ({
      name: arm.arm,
      requests: arm.requests,
      succeeded: arm.succeeded,
      failed: arm.failed,
      error_rate: arm.errorRate,
      latency_ms: { mean: arm.latencyMeanMs, p50: arm.latencyP50Ms, p95: arm.latencyP95Ms },
      cost_usd: { mean: arm.costMeanUsd, total: arm.costTotalUsd },
      scores: arm.scores,
      metric: {
        samples: arm.sample.count,
        mean: arm.sample.count === 0 ? null : arm.sample.mean,
        variance: arm.sample.count < 2 ? null : arm.sample.variance,
      },
    })),
    test: {
      method: test.method,
      stopping_rule: `With at least ${experiment.stopping.minSamples} requests in every arm, the leading arm wins once its always-valid confidence against every other arm reaches ${experiment.stopping.confidence} (mixture SPRT, effect size ${experiment.stopping.effectSize} standard deviations, Bonferroni over the comparisons).`,
      leader: test.leader ?? null,
      winner: test.winner ?? null,
      confidence: test.confidence,
      enough_samples: test.enoughSamples,
      comparisons: test.comparisons.map((comparison) => ({
        arm: comparison.arm,
        difference: comparison.difference,
        log_likelihood_ratio: comparison.logLikelihoodRatio,
        p_value: comparison.pValue,
      })),
    },
    // The arm that takes the traffic once stopped; while running, the test's winner if it has one.
    winner: experiment.winner ?? test.winner ?? null,
    confidence: test.confidence,
  };
}
