import express, { type Request, type Response, type Router } from 'express';
import { invalidRequest, type Principal } from '@switchyard/shared';
import type { AdminActionReporter } from '../admin-api/admin-action-event';
import { bodyObject, requiredField } from '../admin-api/admin-input';
import { checkSlug, checkSubject } from '../organizations/names';
import { can } from '../rbac/can';
import type { Action } from '../rbac/permission-matrix';
import { notFound } from '../storage/governance-errors';
import type { GovernanceStore } from '../storage/governance-store';
import { permissionDenied } from '../tokens/token-errors';
import type { StoredLimitRules } from './stored-limit-rules';
import type { StoredBudget, StoredLimitStore, StoredRateLimit, StoredRuleScope } from './stored-limit-store';

export interface LimitRulesRouterOptions {
  /** Workspaces and keys: a rule's target must exist. */
  governance: GovernanceStore;
  store: StoredLimitStore;
  /** Told of every change, so this process and the others apply it. */
  rules: StoredLimitRules;
}

interface Locals {
  principal: Principal;
  reportAdminAction: AdminActionReporter;
}

const MAXIMUM_PER_MINUTE = 1_000_000_000;
const MAXIMUM_USD = 1_000_000_000;
const KEY_ID = /^key_[A-Za-z0-9_-]{1,64}$/;

/**
 * `/rate-limits` and `/budgets` of the admin API, mounted by the admin
 * router after authentication (`routes`). A rule targets one workspace, or
 * one key or one end user (`user`, the body's `user` of model requests)
 * within it; managing it takes `rate_limits.manage` / `budgets.manage` on
 * that workspace, and lists show only the rules the caller could manage.
 */
export function createLimitRulesRouter(options: LimitRulesRouterOptions): Router {
  const { governance, store, rules } = options;
  const router = express.Router();
  const localsOf = (response: Response) => response.locals as Locals;

  /** The workspace, key or user a body targets, checked against the store. */
  async function targetOf(
    body: Record<string, unknown>,
  ): Promise<{ organization: string; workspace: string; scope: StoredRuleScope; subject: string }> {
    const workspaceId = checkSlug(requiredField(body, 'workspace'), 'workspace');
    const hasKey = body.key !== undefined && body.key !== null;
    const hasUser = body.user !== undefined && body.user !== null;
    if (hasKey && hasUser) throw invalidRequest('Give `key` or `user`, not both: a rule counts one of them.', 'user');
    if (hasKey && (typeof body.key !== 'string' || !KEY_ID.test(body.key))) throw invalidRequest('`key` must be a key id (`key_…`).', 'key');
    const user = hasUser ? checkSubject(body.user, 'user') : undefined;
    const workspace = await governance.getWorkspace(workspaceId);
    if (workspace === undefined) throw notFound('The workspace', workspaceId, 'workspace');
    if (hasKey) {
      const key = await governance.getKey(body.key as string);
      if (key === undefined || key.workspace !== workspace.id) throw notFound(`In workspace \`${workspace.id}\` the key`, body.key as string, 'key');
      return { organization: workspace.organization, workspace: workspace.id, scope: 'key', subject: key.id };
    }
    if (user !== undefined) return { organization: workspace.organization, workspace: workspace.id, scope: 'user', subject: user };
    return { organization: workspace.organization, workspace: workspace.id, scope: 'workspace', subject: workspace.id };
  }

  async function check(
    response: Response,
    action: Action,
    target: { type: 'rate_limit' | 'budget'; id: string; organization: string; workspace: string },
  ): Promise<void> {
    const { principal, reportAdminAction } = localsOf(response);
    if (can(principal, action, target)) return;
    const reason = `Your role does not allow \`${action}\` in workspace \`${target.workspace}\`.`;
    await reportAdminAction({ action, outcome: 'denied', target, reason });
    throw permissionDenied(reason);
  }

  const workspaceFilter = (request: Request) => (request.query.workspace === undefined ? undefined : checkSlug(request.query.workspace, 'workspace'));

  // --- rate limits -----------------------------------------------------------------------------------

  router.post('/rate-limits', async (request, response) => {
    const body = bodyObject(request.body, ['workspace', 'key', 'user', 'requests_per_minute', 'tokens_per_minute', 'token_kind']);
    const requestsPerMinute = optionalWhole(body.requests_per_minute, 'requests_per_minute');
    const tokensPerMinute = optionalWhole(body.tokens_per_minute, 'tokens_per_minute');
    if (requestsPerMinute === undefined && tokensPerMinute === undefined)
      throw invalidRequest('Give `requests_per_minute`, `tokens_per_minute` or both.', 'requests_per_minute', 'missing_field');
    const tokenKind = body.token_kind === undefined || body.token_kind === null ? 'total' : body.token_kind;
    if (tokenKind !== 'total' && tokenKind !== 'input' && tokenKind !== 'output')
      throw invalidRequest('`token_kind` must be one of total, input, output.', 'token_kind');
    const target = await targetOf(body);
    await check(response, 'rate_limits.manage', { type: 'rate_limit', id: target.subject, ...target });
    const created = await store.createRateLimit({
      ...target,
      requestsPerMinute,
      tokensPerMinute,
      tokenKind,
      createdBy: localsOf(response).principal.subject,
    });
    await rules.changed();
    const view = rateLimitView(created);
    await localsOf(response).reportAdminAction({
      action: 'rate_limits.manage',
      outcome: 'allowed',
      target: targetOfRule('rate_limit', created),
      after: view,
    });
    response.status(201).json(view);
  });

  router.get('/rate-limits', async (request, response) => {
    const { principal } = localsOf(response);
    const visible = (await store.listRateLimits(workspaceFilter(request))).filter((rule) => can(principal, 'rate_limits.manage', rule));
    response.json({ object: 'list', data: visible.map(rateLimitView) });
  });

  router.get('/rate-limits/:id', async (request, response) => {
    const rule = await store.getRateLimit(request.params.id);
    if (rule === undefined) throw notFound('The rate limit', request.params.id);
    await check(response, 'rate_limits.manage', targetOfRule('rate_limit', rule));
    response.json(rateLimitView(rule));
  });

  router.delete('/rate-limits/:id', async (request, response) => {
    const rule = await store.getRateLimit(request.params.id);
    if (rule === undefined) throw notFound('The rate limit', request.params.id);
    const target = targetOfRule('rate_limit', rule);
    await check(response, 'rate_limits.manage', target);
    await store.deleteRateLimit(rule.id);
    await rules.changed();
    await localsOf(response).reportAdminAction({ action: 'rate_limits.manage', outcome: 'allowed', target, before: rateLimitView(rule) });
    response.json({ object: 'rate_limit', id: rule.id, deleted: true });
  });

  // --- budgets ---------------------------------------------------------------------------------------

  router.post('/budgets', async (request, response) => {
    const body = bodyObject(request.body, ['workspace', 'key', 'user', 'limit_usd', 'period', 'timezone', 'alert_at_percent']);
    const limitUsd = requiredField(body, 'limit_usd');
    if (typeof limitUsd !== 'number' || !Number.isFinite(limitUsd) || limitUsd <= 0 || limitUsd > MAXIMUM_USD)
      throw invalidRequest(`\`limit_usd\` must be a number of US dollars above 0, at most ${MAXIMUM_USD}.`, 'limit_usd');
    const period = requiredField(body, 'period');
    if (period !== 'day' && period !== 'week' && period !== 'month') throw invalidRequest('`period` must be one of day, week, month.', 'period');
    const timezone = body.timezone === undefined || body.timezone === null ? 'UTC' : body.timezone;
    if (typeof timezone !== 'string' || timezone.length > 64 || !isTimeZone(timezone))
      throw invalidRequest('`timezone` must be an IANA time zone, such as UTC or Europe/Paris.', 'timezone');
    const alert = body.alert_at_percent;
    if (alert !== undefined && alert !== null && (typeof alert !== 'number' || !(alert > 0) || alert > 100))
      throw invalidRequest('`alert_at_percent` must be a number above 0, at most 100.', 'alert_at_percent');
    const target = await targetOf(body);
    await check(response, 'budgets.manage', { type: 'budget', id: target.subject, ...target });
    const created = await store.createBudget({
      ...target,
      limitUsd,
      period,
      timezone,
      alertAtPercent: typeof alert === 'number' ? alert : undefined,
      createdBy: localsOf(response).principal.subject,
    });
    await rules.changed();
    const view = budgetView(created);
    await localsOf(response).reportAdminAction({
      action: 'budgets.manage',
      outcome: 'allowed',
      target: targetOfRule('budget', created),
      after: view,
    });
    response.status(201).json(view);
  });

  router.get('/budgets', async (request, response) => {
    const { principal } = localsOf(response);
    const visible = (await store.listBudgets(workspaceFilter(request))).filter((rule) => can(principal, 'budgets.manage', rule));
    response.json({ object: 'list', data: visible.map(budgetView) });
  });

  router.get('/budgets/:id', async (request, response) => {
    const rule = await store.getBudget(request.params.id);
    if (rule === undefined) throw notFound('The budget', request.params.id);
    await check(response, 'budgets.manage', targetOfRule('budget', rule));
    response.json(budgetView(rule));
  });

  router.delete('/budgets/:id', async (request, response) => {
    const rule = await store.getBudget(request.params.id);
    if (rule === undefined) throw notFound('The budget', request.params.id);
    const target = targetOfRule('budget', rule);
    await check(response, 'budgets.manage', target);
    await store.deleteBudget(rule.id);
    await rules.changed();
    await localsOf(response).reportAdminAction({ action: 'budgets.manage', outcome: 'allowed', target, before: budgetView(rule) });
    response.json({ object: 'budget', id: rule.id, deleted: true });
  });

  return router;
}

function targetOfRule<Type extends 'rate_limit' | 'budget'>(type: Type, rule: StoredRateLimit | StoredBudget) {
  return { type, id: rule.id, organization: rule.organization, workspace: rule.workspace };
}

function optionalWhole(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAXIMUM_PER_MINUTE)
    throw invalidRequest(`\`${field}\` must be a whole number from 1 to ${MAXIMUM_PER_MINUTE}.`, field);
  return value;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function ruleView(rule: StoredRateLimit | StoredBudget) {
  return {
    id: rule.id,
    organization: rule.organization,
    workspace: rule.workspace,
    scope: rule.scope,
    key: rule.scope === 'key' ? rule.subject : null,
    user: rule.scope === 'user' ? rule.subject : null,
  };
}

export function rateLimitView(rule: StoredRateLimit) {
  return {
    object: 'rate_limit' as const,
    ...ruleView(rule),
    requests_per_minute: rule.requestsPerMinute ?? null,
    tokens_per_minute: rule.tokensPerMinute ?? null,
    token_kind: rule.tokenKind,
    created_at: rule.createdAt,
    created_by: rule.createdBy,
  };
}

export function budgetView(rule: StoredBudget) {
  return {
    object: 'budget' as const,
    ...ruleView(rule),
    limit_usd: rule.limitUsd,
    period: rule.period,
    timezone: rule.timezone,
    alert_at_percent: rule.alertAtPercent ?? null,
    created_at: rule.createdAt,
    created_by: rule.createdBy,
  };
}
