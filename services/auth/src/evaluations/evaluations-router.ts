import express, { type Request, type Response, type Router } from 'express';
import { GatewayError, invalidRequest, type Principal } from '@switchyard/shared';
import type { AdminActionEvent, AdminActionReporter } from '../admin-api/admin-action-event';
import { bodyObject, integerField, requiredField } from '../admin-api/admin-input';
import { checkLabel, checkSlug } from '../organizations/names';
import { can } from '../rbac/can';
import type { Action } from '../rbac/permission-matrix';
import { conflict, notFound } from '../storage/governance-errors';
import type { GovernanceStore } from '../storage/governance-store';
import { permissionDenied } from '../tokens/token-errors';
import { parseItems } from './dataset-import';
import { parseEvaluators } from './evaluators/evaluator-registry';
import { checkPolicy, compareRuns, resultView, runView } from './evaluation-report';
import type { EvaluationRunner } from './evaluation-runner';
import { DatasetFullError, type Dataset, type DatasetItem, type EvaluationStore, type PromotionPolicy } from './evaluation-store';
import type { PromptLabels } from './prompt-labels';

export interface EvaluationsRouterOptions {
  governance: GovernanceStore;
  store: EvaluationStore;
  runner: EvaluationRunner;
  /** Where prompt labels are read and moved; absent until the prompt store is wired: promotion answers 501. */
  prompts?: PromptLabels;
  /** The gateway runs call; absent: the origin the admin call arrived at. */
  gatewayUrl?: string;
  maxDatasetItems: number;
  defaultConcurrency: number;
  maxConcurrency: number;
  allowPrivateWebhooks: boolean;
}

interface Locals {
  principal: Principal;
  reportAdminAction: AdminActionReporter;
}

const PROMPT_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const LABEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAXIMUM_PAGE = 1_000;

/**
 * Datasets, evaluation runs and the prompt promotion pipeline under
 * `/admin/v1/workspaces/{workspace}/`, mounted by the admin router after
 * authentication. Every object is looked up within the path's workspace (an
 * other workspace's is a 404); reading takes `evaluations.read`, writing
 * `evaluations.manage`, policies and promotions `prompts.promote`; every
 * write and every refused promotion is reported to the audit trail.
 */
export function createEvaluationsRouter(options: EvaluationsRouterOptions): Router {
  const { governance, store, runner } = options;
  const router = express.Router();
  const localsOf = (response: Response) => response.locals as Locals;

  /** The path's workspace, after the caller's permission on it is checked (a refusal is reported). */
  async function workspaceOf(
    request: Request,
    response: Response,
    action: Action,
    target: { type: AdminActionEvent['target']['type']; id: string },
  ): Promise<{ id: string; organization: string }> {
    const workspaceId = checkSlug(request.params.workspace, 'workspace');
    const workspace = await governance.getWorkspace(workspaceId);
    if (workspace === undefined) throw notFound('The workspace', workspaceId, 'workspace');
    const { principal, reportAdminAction } = localsOf(response);
    const scope = { organization: workspace.organization, workspace: workspace.id };
    if (!can(principal, action, scope)) {
      const reason = `Your role does not allow \`${action}\` in workspace \`${workspace.id}\`.`;
      await reportAdminAction({ action, outcome: 'denied', target: { ...target, ...scope }, reason });
      throw permissionDenied(reason);
    }
    return { id: workspace.id, organization: workspace.organization };
  }

  async function datasetOf(workspace: string, idOrName: string): Promise<Dataset> {
    const dataset = await store.getDataset(workspace, idOrName);
    if (dataset === undefined) throw notFound(`In workspace \`${workspace}\` the dataset`, idOrName, 'dataset');
    return dataset;
  }

  async function runOf(workspace: string, id: string, param: string | null = null) {
    const run = await store.getRun(workspace, id);
    if (run === undefined) throw notFound(`In workspace \`${workspace}\` the evaluation run`, id, param);
    return run;
  }

  const originOf = (request: Request) => options.gatewayUrl ?? ownOrigin(request);

  // --- datasets --------------------------------------------------------------------------------------

  router.post('/workspaces/:workspace/datasets', async (request, response) => {
    const body = bodyObject(request.body, ['name', 'description', 'items', 'jsonl', 'csv']);
    const name = checkLabel(requiredField(body, 'name'), 'name');
    const description = body.description === undefined || body.description === null ? '' : descriptionOf(body.description);
    const hasItems = body.items !== undefined || body.jsonl !== undefined || body.csv !== undefined;
    const items = hasItems ? parseItems(body) : [];
    if (items.length > options.maxDatasetItems) throw datasetFull(new DatasetFullError(0, items.length, options.maxDatasetItems));
    const workspace = await workspaceOf(request, response, 'evaluations.manage', { type: 'dataset', id: name });
    const created = await store.createDataset({ workspace: workspace.id, name, description, createdBy: localsOf(response).principal.subject });
    if (items.length > 0) await store.addItems(created.id, items, options.maxDatasetItems);
    const view = datasetView((await store.getDataset(workspace.id, created.id))!);
    await report(response, 'evaluations.manage', { type: 'dataset', id: created.id, ...scopeOf(workspace) }, { after: view });
    response.status(201).json(view);
  });

  router.get('/workspaces/:workspace/datasets', async (request, response) => {
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'dataset', id: '*' });
    response.json({ object: 'list', data: (await store.listDatasets(workspace.id)).map(datasetView) });
  });

  router.get('/workspaces/:workspace/datasets/:dataset', async (request, response) => {
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'dataset', id: request.params.dataset });
    response.json(datasetView(await datasetOf(workspace.id, request.params.dataset)));
  });

  router.post('/workspaces/:workspace/datasets/:dataset/items', async (request, response) => {
    const body = bodyObject(request.body, ['items', 'jsonl', 'csv']);
    const items = parseItems(body);
    if (items.length === 0) throw invalidRequest('No items to add.', 'items', 'missing_field');
    const workspace = await workspaceOf(request, response, 'evaluations.manage', { type: 'dataset', id: request.params.dataset });
    const dataset = await datasetOf(workspace.id, request.params.dataset);
    try {
      await store.addItems(dataset.id, items, options.maxDatasetItems);
    } catch (error) {
      if (error instanceof DatasetFullError) throw datasetFull(error);
      throw error;
    }
    const view = { ...datasetView((await store.getDataset(workspace.id, dataset.id))!), added: items.length };
    await report(response, 'evaluations.manage', { type: 'dataset', id: dataset.id, ...scopeOf(workspace) }, { after: view });
    response.status(201).json(view);
  });

  router.get('/workspaces/:workspace/datasets/:dataset/items', async (request, response) => {
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'dataset', id: request.params.dataset });
    const dataset = await datasetOf(workspace.id, request.params.dataset);
    const limit = queryInteger(request.query.limit, 'limit', 1, MAXIMUM_PAGE, 100);
    const after = queryInteger(request.query.after, 'after', -1, Number.MAX_SAFE_INTEGER, -1);
    const items = await store.listItems(dataset.id, { after, limit: limit + 1 });
    const page = items.slice(0, limit);
    response.json({
      object: 'list',
      data: page.map(itemView),
      has_more: items.length > limit,
      next_after: items.length > limit ? page[page.length - 1].position : null,
    });
  });

  // --- evaluation runs -------------------------------------------------------------------------------

  router.post('/workspaces/:workspace/evaluations', async (request, response) => {
    const body = bodyObject(request.body, ['dataset', 'prompt', 'model', 'evaluators', 'concurrency']);
    const datasetName = requiredField(body, 'dataset');
    if (typeof datasetName !== 'string' || datasetName.length > 200) throw invalidRequest('`dataset` must be a dataset id or name.', 'dataset');
    const model = requiredField(body, 'model');
    if (typeof model !== 'string' || model.length === 0 || model.length > 200) throw invalidRequest('`model` must be a model name.', 'model');
    const prompt = body.prompt === undefined || body.prompt === null ? undefined : promptOf(body.prompt);
    const evaluators = parseEvaluators(requiredField(body, 'evaluators'), { allowPrivateWebhooks: options.allowPrivateWebhooks });
    const concurrency = integerField(body.concurrency, 'concurrency', {
      minimum: 1,
      maximum: options.maxConcurrency,
      fallback: options.defaultConcurrency,
    });
    const workspace = await workspaceOf(request, response, 'evaluations.manage', { type: 'evaluation_run', id: datasetName });
    const dataset = await datasetOf(workspace.id, datasetName);
    if (dataset.itemCount === 0) throw invalidRequest(`The dataset \`${dataset.name}\` has no items.`, 'dataset', 'empty_dataset');
    const run = await store.createRun({
      workspace: workspace.id,
      dataset: dataset.id,
      prompt,
      model,
      evaluators,
      concurrency,
      totalItems: dataset.itemCount,
      createdBy: localsOf(response).principal.subject,
    });
    await runner.start(run, originOf(request));
    const view = runView((await store.getRun(workspace.id, run.id))!, []);
    await report(response, 'evaluations.manage', { type: 'evaluation_run', id: run.id, ...scopeOf(workspace) }, { after: view });
    response.status(202).json(view);
  });

  router.get('/workspaces/:workspace/evaluations', async (request, response) => {
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'evaluation_run', id: '*' });
    const limit = queryInteger(request.query.limit, 'limit', 1, MAXIMUM_PAGE, 100);
    const runs = await store.listRuns(workspace.id, limit);
    const views = await Promise.all(runs.map(async (run) => runView(run, await store.listResults(run.id))));
    response.json({ object: 'list', data: views });
  });

  router.get('/workspaces/:workspace/evaluations/compare', async (request, response) => {
    const a = queryId(request.query.a, 'a');
    const b = queryId(request.query.b, 'b');
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'evaluation_run', id: `${a},${b}` });
    const [runA, runB] = await Promise.all([runOf(workspace.id, a, 'a'), runOf(workspace.id, b, 'b')]);
    const [resultsA, resultsB] = await Promise.all([store.listResults(runA.id), store.listResults(runB.id)]);
    response.json(compareRuns(runA, resultsA, runB, resultsB));
  });

  router.get('/workspaces/:workspace/evaluations/:id', async (request, response) => {
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'evaluation_run', id: request.params.id });
    const run = await runOf(workspace.id, request.params.id);
    const results = await store.listResults(run.id);
    const withItems = request.query.include === 'results';
    response.json({ ...runView(run, results), ...(withItems ? { results: results.map(resultView) } : {}) });
  });

  router.post('/workspaces/:workspace/evaluations/:id/resume', async (request, response) => {
    bodyObject(request.body, []);
    const workspace = await workspaceOf(request, response, 'evaluations.manage', { type: 'evaluation_run', id: request.params.id });
    const run = await runOf(workspace.id, request.params.id);
    if (run.status === 'completed') throw conflict(`The evaluation run \`${run.id}\` is complete; there is nothing to resume.`, 'run_completed');
    const started = await runner.start(run, originOf(request));
    if (!started) throw conflict(`The evaluation run \`${run.id}\` is running; resume it once it has stopped.`, 'run_in_progress');
    const view = runView((await store.getRun(workspace.id, run.id))!, await store.listResults(run.id));
    await report(response, 'evaluations.manage', { type: 'evaluation_run', id: run.id, ...scopeOf(workspace) }, { after: { status: view.status } });
    response.status(202).json(view);
  });

  // --- the promotion pipeline ------------------------------------------------------------------------

  router.put('/workspaces/:workspace/prompts/:name/promotion-policy', async (request, response) => {
    const name = promptName(request.params.name);
    const body = bodyObject(request.body, ['evaluators', 'dataset']);
    const evaluators = thresholdsOf(requiredField(body, 'evaluators'));
    const workspace = await workspaceOf(request, response, 'prompts.promote', { type: 'prompt', id: name });
    let dataset: string | undefined;
    if (body.dataset !== undefined && body.dataset !== null) {
      if (typeof body.dataset !== 'string') throw invalidRequest('`dataset` must be a dataset id or name.', 'dataset');
      dataset = (await datasetOf(workspace.id, body.dataset)).id;
    }
    const before = await store.getPolicy(workspace.id, name);
    const policy = await store.putPolicy({
      workspace: workspace.id,
      prompt: name,
      evaluators,
      dataset,
      updatedBy: localsOf(response).principal.subject,
    });
    await report(
      response,
      'prompts.promote',
      { type: 'prompt', id: name, ...scopeOf(workspace) },
      { before: before && policyView(before), after: policyView(policy) },
    );
    response.json(policyView(policy));
  });

  router.get('/workspaces/:workspace/prompts/:name/promotion-policy', async (request, response) => {
    const name = promptName(request.params.name);
    const workspace = await workspaceOf(request, response, 'evaluations.read', { type: 'prompt', id: name });
    const policy = await store.getPolicy(workspace.id, name);
    if (policy === undefined) throw notFound(`In workspace \`${workspace.id}\` the promotion policy of prompt`, name);
    response.json(policyView(policy));
  });

  router.post('/workspaces/:workspace/prompts/:name/promote', async (request, response) => {
    const name = promptName(request.params.name);
    const body = bodyObject(request.body, ['version', 'from', 'to', 'evaluation_run']);
    const version = requiredField(body, 'version');
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
      throw invalidRequest('`version` must be a version number.', 'version');
    const from = labelOf(body.from ?? 'staging', 'from');
    const to = labelOf(body.to ?? 'production', 'to');
    if (from === to) throw invalidRequest('`from` and `to` must be different labels.', 'to');
    const runId = queryId(requiredField(body, 'evaluation_run'), 'evaluation_run');
    const workspace = await workspaceOf(request, response, 'prompts.promote', { type: 'prompt', id: name });
    const target = { type: 'prompt' as const, id: name, ...scopeOf(workspace) };
    const refuse = async (error: GatewayError, details?: unknown) => {
      await localsOf(response).reportAdminAction({ action: 'prompts.promote', outcome: 'denied', target, reason: error.message, after: details });
      return error;
    };
    const prompts = options.prompts;
    if (prompts === undefined)
      throw new GatewayError('Prompt promotion needs the prompt store, which this server does not have.', {
        status: 501,
        errorClass: 'unavailable',
        code: 'prompts_unavailable',
      });
    const policy = await store.getPolicy(workspace.id, name);
    if (policy === undefined)
      throw await refuse(
        conflict(`The prompt \`${name}\` has no promotion policy: set one (PUT …/promotion-policy) before promoting.`, 'no_promotion_policy'),
      );
    const run = await runOf(workspace.id, runId, 'evaluation_run');
    if (run.prompt?.name !== name || run.prompt.version !== version)
      throw await refuse(
        conflict(`The evaluation run \`${run.id}\` did not evaluate version ${version} of prompt \`${name}\`.`, 'evaluation_run_mismatch'),
      );
    if (run.status !== 'completed')
      throw await refuse(conflict(`The evaluation run \`${run.id}\` is ${run.status}, not completed.`, 'evaluation_run_incomplete'));
    if (policy.dataset !== undefined && run.dataset !== policy.dataset)
      throw await refuse(conflict(`The promotion policy asks for a run over dataset \`${policy.dataset}\`.`, 'evaluation_run_mismatch'));
    const current = await prompts.versionOf(workspace.id, name, from);
    if (current === undefined) throw notFound(`The label \`${from}\` of prompt`, name, 'from');
    if (current !== version)
      throw await refuse(conflict(`The label \`${from}\` of prompt \`${name}\` points to version ${current}, not ${version}.`, 'not_in_stage'));
    const failing = checkPolicy(policy, run, await store.listResults(run.id));
    if (failing.length > 0) {
      const error = new GatewayError(
        `The evaluation run \`${run.id}\` did not pass the promotion policy of \`${name}\`: ${failing.map((score) => score.evaluator).join(', ')}.`,
        { status: 409, errorClass: 'invalid_request', code: 'evaluation_failed' },
      );
      await refuse(error, { failing_scores: failing });
      response.status(409).json({
        error: {
          message: error.message,
          type: 'invalid_request_error',
          param: 'evaluation_run',
          code: 'evaluation_failed',
          failing_scores: failing,
        },
      });
      return;
    }
    const previous = await prompts.versionOf(workspace.id, name, to);
    await prompts.move(workspace.id, name, to, version, localsOf(response).principal.subject);
    const view = { object: 'prompt_promotion', prompt: name, version, from, to, previous_version: previous ?? null, evaluation_run: run.id };
    await report(response, 'prompts.promote', target, { before: { label: to, version: previous ?? null }, after: view });
    response.json(view);
  });

  async function report(
    response: Response,
    action: Action,
    target: AdminActionEvent['target'],
    change: { before?: unknown; after?: unknown },
  ): Promise<void> {
    await localsOf(response).reportAdminAction({ action, outcome: 'allowed', target, ...change });
  }

  return router;
}

/**
 * Where this admin call arrived, as the runs' gateway: the admin API is
 * served by the gateway itself, on the same listener. The local address is
 * used, not the Host header, so a caller cannot point runs elsewhere.
 */
function ownOrigin(request: Request): string {
  let address = request.socket.localAddress ?? '127.0.0.1';
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice('::ffff:'.length);
  const host = address.includes(':') ? `[${address}]` : address;
  const protocol = (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return `${protocol}://${host}:${request.socket.localPort}`;
}

function scopeOf(workspace: { id: string; organization: string }) {
  return { organization: workspace.organization, workspace: workspace.id };
}

function datasetFull(error: DatasetFullError): GatewayError {
  return new GatewayError(error.message, { status: 413, errorClass: 'payload_too_large', param: 'items', code: 'dataset_full' });
}

function descriptionOf(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2_000)
    throw invalidRequest('`description` must be a string of at most 2,000 characters.', 'description');
  return value;
}

function promptName(value: unknown): string {
  if (typeof value !== 'string' || !PROMPT_NAME.test(value)) throw invalidRequest('A prompt name is 1–128 letters, digits or `. _ -`.', 'name');
  return value;
}

function labelOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || !LABEL.test(value) || value === 'latest')
    throw invalidRequest(`\`${field}\` must be a label (lower-case letters, digits, . _ -; not \`latest\`, which moves by itself).`, field);
  return value;
}

function promptOf(value: unknown): { name: string; version: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('`prompt` must be `{"name", "version"}`.', 'prompt');
  const { name, version, ...rest } = value as Record<string, unknown>;
  const unknownField = Object.keys(rest)[0];
  if (unknownField !== undefined)
    throw invalidRequest(`Unknown field \`prompt.${unknownField}\`; give \`name\` and \`version\`.`, `prompt.${unknownField}`);
  if (typeof name !== 'string' || !PROMPT_NAME.test(name)) throw invalidRequest('`prompt.name` must be a prompt name.', 'prompt.name');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw invalidRequest('`prompt.version` must be a version number: a run evaluates one immutable version.', 'prompt.version');
  return { name, version };
}

function thresholdsOf(value: unknown): PromotionPolicy['evaluators'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0)
    throw invalidRequest('`evaluators` must map evaluator names to `{"min_mean": <number>}`.', 'evaluators');
  const thresholds: PromotionPolicy['evaluators'] = {};
  for (const [name, threshold] of Object.entries(value)) {
    const minMean = (threshold as { min_mean?: unknown } | null)?.min_mean;
    const keys = typeof threshold === 'object' && threshold !== null ? Object.keys(threshold as object) : [];
    if (typeof minMean !== 'number' || !Number.isFinite(minMean) || keys.length !== 1)
      throw invalidRequest(`\`evaluators.${name}\` must be \`{"min_mean": <number>}\`.`, `evaluators.${name}`);
    thresholds[name] = { minMean };
  }
  return thresholds;
}

function queryInteger(value: unknown, field: string, minimum: number, maximum: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < minimum || number > maximum)
    throw invalidRequest(`\`${field}\` must be a whole number from ${minimum} to ${maximum}.`, field);
  return number;
}

function queryId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value))
    throw invalidRequest(`\`${field}\` must be an evaluation run id.`, field, 'missing_field');
  return value;
}

function datasetView(dataset: Dataset) {
  return {
    object: 'dataset' as const,
    id: dataset.id,
    workspace: dataset.workspace,
    name: dataset.name,
    description: dataset.description,
    item_count: dataset.itemCount,
    created_at: dataset.createdAt,
    created_by: dataset.createdBy,
  };
}

function itemView(item: DatasetItem) {
  return {
    object: 'dataset_item' as const,
    id: item.id,
    position: item.position,
    input: item.input,
    expected_output: item.expectedOutput ?? null,
    metadata: item.metadata,
  };
}

function policyView(policy: PromotionPolicy) {
  return {
    object: 'promotion_policy' as const,
    workspace: policy.workspace,
    prompt: policy.prompt,
    evaluators: Object.fromEntries(Object.entries(policy.evaluators).map(([name, { minMean }]) => [name, { min_mean: minMean }])),
    dataset: policy.dataset ?? null,
    updated_at: policy.updatedAt,
    updated_by: policy.updatedBy,
  };
}
