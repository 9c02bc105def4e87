import express, { type Response, type Router } from 'express';
import { invalidRequest, type Logger, type Principal, type PromptVersionConfig } from '@switchyard/shared';
import type { AdminActionReporter } from '../admin-api/admin-action-event';
import { bodyObject, requiredField } from '../admin-api/admin-input';
import type { Workspace } from '../organizations/governance-model';
import { checkSlug } from '../organizations/names';
import { can } from '../rbac/can';
import type { Action } from '../rbac/permission-matrix';
import { notFound } from '../storage/governance-errors';
import type { GovernanceStore } from '../storage/governance-store';
import { permissionDenied } from '../tokens/token-errors';
import type { PromptChangeBus } from './prompt-change-bus';
import { checkPromptLabel, checkPromptName, checkPromptVersion } from './prompt-names';
import {
  LATEST_LABEL,
  type LabelMove,
  type PromptDetail,
  type PromptLabel,
  type PromptStore,
  type PromptSummary,
  type StoredPromptVersion,
} from './prompt-store';
import { CompiledTemplate } from './prompt-template';
import { parseVariableSpecs } from './prompt-variables';

export interface PromptsRouterOptions {
  governance: GovernanceStore;
  store: PromptStore;
  /** Told of every version and label move, so every gateway's cache drops the prompt. */
  changes: PromptChangeBus;
  logger?: Logger;
}

interface Locals {
  principal: Principal;
  reportAdminAction: AdminActionReporter;
}

const MAXIMUM_LABELS = 20;
const MAXIMUM_COMMIT_MESSAGE = 1_000;
const MAXIMUM_MODEL_LENGTH = 256;
/** Chat fields a version's `parameters` may not set: each has a field of its own, or is the request's alone. */
const RESERVED_PARAMETERS = new Set(['messages', 'model', 'prompt', 'tools', 'response_format', 'stream']);

/**
 * `/workspaces/{workspace}/prompts` of the admin API, mounted by the admin
 * router after authentication (`routes`): versions are created and read,
 * labels moved and rolled back. Reading takes `prompts.read` on the
 * workspace, writing `prompts.manage`; every write is audited, and a prompt
 * of another workspace is simply not found in this one.
 */
export function createPromptsRouter(options: PromptsRouterOptions): Router {
  const { governance, store, changes, logger } = options;
  const router = express.Router();
  const localsOf = (response: Response) => response.locals as Locals;

  /** The URL's workspace, which must exist and allow `action` to the caller. */
  async function workspaceFor(response: Response, id: string, action: Action, promptName?: string): Promise<Workspace> {
    const workspace = await governance.getWorkspace(checkSlug(id, 'workspace'));
    if (workspace === undefined) throw notFound('The workspace', id, 'workspace');
    const { principal, reportAdminAction } = localsOf(response);
    const target = { organization: workspace.organization, workspace: workspace.id };
    if (can(principal, action, target)) return workspace;
    const reason = `Your role does not allow \`${action}\` in workspace \`${workspace.id}\`.`;
    await reportAdminAction({ action, outcome: 'denied', target: { type: 'prompt', id: promptName ?? '*', ...target }, reason });
    throw permissionDenied(reason);
  }

  async function announce(workspace: string, name: string): Promise<void> {
    await changes.publish({ workspace, name }).catch((error: unknown) => logger?.warn({ err: error, prompt: name }, 'prompt-changes-publish-failed'));
  }

  router.post('/workspaces/:workspace/prompts', async (request, response) => {
    const body = bodyObject(request.body, ['name', 'type', 'template', 'variables', 'config', 'labels', 'commit_message']);
    const name = checkPromptName(requiredField(body, 'name'), 'name');
    const type = requiredField(body, 'type');
    const variables = parseVariableSpecs(body.variables);
    const template = CompiledTemplate.compile(type, requiredField(body, 'template'), variables);
    const config = parseVersionConfig(body.config);
    const labels = parseLabels(body.labels);
    const commitMessage = body.commit_message === undefined || body.commit_message === null ? '' : body.commit_message;
    if (typeof commitMessage !== 'string' || commitMessage.length > MAXIMUM_COMMIT_MESSAGE)
      throw invalidRequest(`\`commit_message\` must be a string of at most ${MAXIMUM_COMMIT_MESSAGE} characters.`, 'commit_message');
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.manage', name);
    const { principal, reportAdminAction } = localsOf(response);
    const created = await store.createVersion({
      workspace: workspace.id,
      name,
      type: template.type,
      template: body.template as StoredPromptVersion['template'],
      variables,
      config,
      labels,
      commitMessage,
      createdBy: principal.subject,
    });
    await announce(workspace.id, name);
    const view = versionView(created);
    await reportAdminAction({ action: 'prompts.manage', outcome: 'allowed', target: promptTarget(workspace, name), after: view });
    response.status(201).json(view);
  });

  router.get('/workspaces/:workspace/prompts', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.read');
    response.json({ object: 'list', data: (await store.listPrompts(workspace.id)).map(promptView) });
  });

  router.get('/workspaces/:workspace/prompts/:name', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.read', request.params.name);
    const name = checkPromptName(request.params.name, 'name');
    const prompt = await store.getPrompt(workspace.id, name);
    if (prompt === undefined) throw notFound(`In workspace \`${workspace.id}\` the prompt`, name);
    response.json(promptDetailView(prompt));
  });

  router.get('/workspaces/:workspace/prompts/:name/versions/:version', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.read', request.params.name);
    const name = checkPromptName(request.params.name, 'name');
    const version = checkPromptVersion(/^\d{1,10}$/.test(request.params.version) ? Number(request.params.version) : NaN, 'version');
    const found = await store.getVersion(workspace.id, name, version);
    if (found === undefined) {
      if (!(await store.exists(workspace.id, name))) throw notFound(`In workspace \`${workspace.id}\` the prompt`, name);
      throw notFound(`The prompt \`${name}\` has no version`, String(version), 'version');
    }
    response.json(versionView(found));
  });

  router.get('/workspaces/:workspace/prompts/:name/labels/:label/history', async (request, response) => {
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.read', request.params.name);
    const name = checkPromptName(request.params.name, 'name');
    const label = checkPromptLabel(request.params.label, 'label');
    if (!(await store.exists(workspace.id, name))) throw notFound(`In workspace \`${workspace.id}\` the prompt`, name);
    response.json({
      object: 'list',
      data: (await store.labelHistory(workspace.id, name, label)).map((move) => labelMoveView(workspace.id, name, move)),
    });
  });

  router.put('/workspaces/:workspace/prompts/:name/labels/:label', async (request, response) => {
    const body = bodyObject(request.body, ['version']);
    const name = checkPromptName(request.params.name, 'name');
    const label = movableLabel(request.params.label, 'label');
    const version = checkPromptVersion(requiredField(body, 'version'), 'version');
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.manage', name);
    const move = await store.moveLabel(workspace.id, name, label, version, localsOf(response).principal.subject);
    await announce(workspace.id, name);
    const view = labelMoveView(workspace.id, name, move);
    await localsOf(response).reportAdminAction({
      action: 'prompts.manage',
      outcome: 'allowed',
      target: promptTarget(workspace, name),
      before: { label, version: move.fromVersion },
      after: view,
    });
    response.json(view);
  });

  router.post('/workspaces/:workspace/prompts/:name/rollback', async (request, response) => {
    const body = bodyObject(request.body, ['label']);
    const name = checkPromptName(request.params.name, 'name');
    const label = body.label === undefined || body.label === null ? 'production' : movableLabel(body.label, 'label');
    const workspace = await workspaceFor(response, request.params.workspace, 'prompts.manage', name);
    const move = await store.rollback(workspace.id, name, label, localsOf(response).principal.subject);
    await announce(workspace.id, name);
    const view = labelMoveView(workspace.id, name, move);
    await localsOf(response).reportAdminAction({
      action: 'prompts.manage',
      outcome: 'allowed',
      target: promptTarget(workspace, name),
      before: { label, version: move.fromVersion },
      after: view,
    });
    response.json(view);
  });

  return router;
}

function promptTarget(workspace: Workspace, name: string) {
  return { type: 'prompt' as const, id: name, organization: workspace.organization, workspace: workspace.id };
}

/** Any label but `latest`, which follows the newest version by itself. */
function movableLabel(value: unknown, field: string): string {
  const label = checkPromptLabel(value, field);
  if (label === LATEST_LABEL)
    throw invalidRequest('The label `latest` always points at the newest version; it is not moved by hand.', field, 'invalid_label');
  return label;
}

function parseLabels(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAXIMUM_LABELS)
    throw invalidRequest(`\`labels\` must be an array of at most ${MAXIMUM_LABELS} labels.`, 'labels');
  return value.map((label, index) => checkPromptLabel(label, `labels[${index}]`));
}

/** A version's `config`: `{model?, parameters?, tools?, response_format?}`, each what the request may leave out. */
export function parseVersionConfig(value: unknown): PromptVersionConfig {
  if (value === undefined || value === null) return {};
  const body = bodyObject(value, ['model', 'parameters', 'tools', 'response_format']);
  const config: PromptVersionConfig = {};
  if (body.model !== undefined && body.model !== null) {
    if (typeof body.model !== 'string' || body.model.length === 0 || body.model.length > MAXIMUM_MODEL_LENGTH)
      throw invalidRequest(`\`config.model\` must be a model name of 1 to ${MAXIMUM_MODEL_LENGTH} characters.`, 'config.model');
    config.model = body.model;
  }
  if (body.parameters !== undefined && body.parameters !== null) {
    if (typeof body.parameters !== 'object' || Array.isArray(body.parameters))
      throw invalidRequest('`config.parameters` must be an object of chat parameters (`temperature`, `max_tokens`, …).', 'config.parameters');
    const reserved = Object.keys(body.parameters).find((parameter) => RESERVED_PARAMETERS.has(parameter));
    if (reserved !== undefined)
      throw invalidRequest(
        `\`config.parameters.${reserved}\` cannot be set in \`parameters\`${reserved === 'messages' || reserved === 'prompt' || reserved === 'stream' ? '' : `: use \`config.${reserved}\``}.`,
        `config.parameters.${reserved}`,
      );
    config.parameters = body.parameters as Record<string, unknown>;
  }
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools) || body.tools.some((tool) => typeof tool !== 'object' || tool === null || Array.isArray(tool)))
      throw invalidRequest('`config.tools` must be an array of tool objects, as in a chat request.', 'config.tools');
    config.tools = body.tools;
  }
  if (body.response_format !== undefined && body.response_format !== null) {
    if (typeof body.response_format !== 'object' || Array.isArray(body.response_format))
      throw invalidRequest('`config.response_format` must be an object, as in a chat request.', 'config.response_format');
    config.response_format = body.response_format;
  }
  return config;
}

export function versionView(version: StoredPromptVersion) {
  return {
    object: 'prompt.version' as const,
    workspace: version.workspace,
    name: version.name,
    version: version.version,
    type: version.type,
    template: version.template,
    variables: version.variables,
    config: version.config,
    labels: version.labels,
    commit_message: version.commitMessage,
    created_by: version.createdBy,
    created_at: version.createdAt,
  };
}

function labelView(label: PromptLabel) {
  return { label: label.label, version: label.version, moved_by: label.movedBy, moved_at: label.movedAt };
}

function promptView(prompt: PromptSummary) {
  return {
    object: 'prompt' as const,
    workspace: prompt.workspace,
    name: prompt.name,
    latest_version: prompt.latestVersion,
    labels: prompt.labels.map(labelView),
    created_by: prompt.createdBy,
    created_at: prompt.createdAt,
  };
}

function promptDetailView(prompt: PromptDetail) {
  return {
    ...promptView(prompt),
    versions: prompt.versions.map((version) => ({
      version: version.version,
      type: version.type,
      labels: version.labels,
      commit_message: version.commitMessage,
      created_by: version.createdBy,
      created_at: version.createdAt,
    })),
  };
}

export function labelMoveView(workspace: string, name: string, move: LabelMove) {
  return {
    object: 'prompt.label' as const,
    workspace,
    name,
    label: move.label,
    version: move.toVersion,
    previous_version: move.fromVersion,
    reason: move.reason,
    moved_by: move.movedBy,
    moved_at: move.movedAt,
  };
}
