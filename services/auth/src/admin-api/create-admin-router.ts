import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { GatewayError, invalidRequest, isGatewayError, openAIErrorBody, type Logger, type Principal, type Role } from '@switchyard/shared';
import type { KeyInvalidationBus } from '../keys/key-invalidation';
import { parseScopes } from '../keys/key-scopes';
import { DEFAULT_ROTATION_OVERLAP_SECONDS, KeyService } from '../keys/key-service';
import { checkLabel, checkSlug, checkSubject } from '../organizations/names';
import type { Member } from '../organizations/governance-model';
import { can, mayGrant, principalLevel, type PermissionTarget } from '../rbac/can';
import type { Action, RoleLevel } from '../rbac/permission-matrix';
import { notFound } from '../storage/governance-errors';
import type { GovernanceStore } from '../storage/governance-store';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  issueMemberToken,
  JwtVerifier,
  MAXIMUM_TOKEN_TTL_SECONDS,
  type OidcSettings,
  type SwitchyardJwtSettings,
} from '../tokens/jwt-verifier';
import { permissionDenied } from '../tokens/token-errors';
import type { AdminActionEvent, AdminActionReporter } from './admin-action-event';
import { AdminAuthenticator } from './admin-authentication';
import { bodyObject, futureDateField, integerField, requiredField, roleField } from './admin-input';
import { keyView, listView, memberView, organizationView, workspaceView } from './admin-views';

export interface AdminRouterOptions {
  store: GovernanceStore;
  /** The key hash secret (`resolveKeyHashSecret`). */
  keyHashSecret: Buffer;
  /** Where key revocations and rotations are announced to every verifier. */
  invalidations: KeyInvalidationBus;
  /** The bootstrap `SWITCHYARD_ADMIN_TOKEN`; none: only JWTs (or nothing, on a development server). */
  adminToken?: string;
  /** Switchyard-issued admin JWTs (`POST /admin/v1/tokens`); none: that endpoint answers 501. */
  jwt?: SwitchyardJwtSettings;
  /** An external OIDC issuer whose tokens are accepted. */
  oidc?: OidcSettings;
  /** Accept calls without a credential as the anonymous owner: only for a development server on loopback. */
  allowUnauthenticated?: boolean;
  logger?: Logger;
  /** Told of every admin action taken or refused (the audit trail). Awaited; a failure is logged. */
  onAdminAction?: (event: AdminActionEvent) => void | Promise<void>;
  /**
   * More admin operations (provider credentials), mounted under `/admin/v1`
   * after authentication: they find the caller in `response.locals.principal`
   * and report their actions through `response.locals.reportAdminAction`.
   */
  routes?: readonly Router[];
  now?: () => number;
}

/** The OpenAPI 3.1 document of the admin API (services/auth/openapi.json). */
export const OPENAPI_DOCUMENT_PATH = path.resolve(__dirname, '../../openapi.json');

const MAXIMUM_BODY_BYTES = 64 * 1024;
const MAXIMUM_ROTATION_OVERLAP_SECONDS = 30 * 24 * 3600;

interface Locals {
  principal: Principal;
  reportAdminAction: AdminActionReporter;
}

/**
 * The admin API as one express router, to mount at the root of an app
 * (`app.use(createAdminRouter(options))`): it answers `/admin/v1/…` and
 * `/openapi.json`, and nothing else passes through it. Every operation
 * authenticates the caller, checks the permission matrix against the
 * target, validates the whole input, then writes.
 */
export function createAdminRouter(options: AdminRouterOptions): Router {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const keys = new KeyService(store, options.keyHashSecret, options.invalidations, now, logger);
  const authenticator = new AdminAuthenticator(
    options.adminToken,
    new JwtVerifier(store, options.jwt, options.oidc),
    options.allowUnauthenticated ?? false,
  );
  const openApiDocument = readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8');

  const router = express.Router();
  router.get('/openapi.json', (_request, response) => {
    response.type('application/json').send(openApiDocument);
  });

  const admin = express.Router();
  router.use('/admin/v1', admin);

  admin.use(async (request, response, next) => {
    try {
      const principal = await authenticator.authenticate(request.headers.authorization);
      (response.locals as Locals).principal = principal;
      (response.locals as Locals).reportAdminAction = (event) => report(request, principal, event);
      next();
    } catch (error) {
      next(error);
    }
  });
  admin.use(express.json({ limit: MAXIMUM_BODY_BYTES, type: () => true }));

  const principalOf = (response: Response) => (response.locals as Locals).principal;

  async function report(request: Request, principal: Principal, event: Omit<AdminActionEvent, 'actor' | 'origin' | 'at'>): Promise<void> {
    if (options.onAdminAction === undefined) return;
    const full: AdminActionEvent = {
      ...event,
      actor: { kind: principal.kind, subject: principal.subject, organization: principal.organization },
      origin: {
        ip: request.ip ?? request.socket.remoteAddress ?? '',
        userAgent: request.get('user-agent') ?? '',
        method: request.method,
        path: request.originalUrl.split('?')[0],
      },
      at: new Date(now()),
    };
    try {
      await options.onAdminAction(full);
    } catch (error) {
      logger?.error({ err: error, action: event.action }, 'admin-action-report-failed');
    }
  }

  /** Throws 403 (and reports the denial) unless the principal may take `action` on `target`. */
  async function authorize(
    request: Request,
    principal: Principal,
    action: string,
    allowed: boolean,
    target: AdminActionEvent['target'],
    reason?: string,
  ): Promise<void> {
    if (allowed) return;
    const why = reason ?? `Your role does not allow \`${action}\` on ${target.type} \`${target.id}\`.`;
    await report(request, principal, { action, outcome: 'denied', target, reason: why });
    throw permissionDenied(why);
  }

  const check = (
    request: Request,
    principal: Principal,
    action: Action,
    target: PermissionTarget & { type: AdminActionEvent['target']['type']; id: string },
  ) => authorize(request, principal, action, can(principal, action, target), target);

  const checkGrant = (request: Request, principal: Principal, action: string, role: Role, level: RoleLevel, target: AdminActionEvent['target']) =>
    authorize(
      request,
      principal,
      action,
      mayGrant(principal, role, level),
      target,
      `You may not grant the ${level} role \`${role}\`: it is above your own.`,
    );

  // --- organizations ---------------------------------------------------------------------------------

  admin.post('/organizations', async (request, response) => {
    const principal = principalOf(response);
    const body = bodyObject(request.body, ['id', 'display_name']);
    const id = checkSlug(requiredField(body, 'id'), 'id');
    const displayName = body.display_name === undefined ? id : checkLabel(body.display_name, 'display_name');
    await authorize(
      request,
      principal,
      'organizations.create',
      principalLevel(principal) === 'global',
      { type: 'organization', id },
      'Only the bootstrap admin token creates organizations.',
    );
    const organization = await store.createOrganization({ id, displayName, createdBy: principal.subject });
    await report(request, principal, {
      action: 'organizations.create',
      outcome: 'allowed',
      target: { type: 'organization', id, organization: id },
      after: organizationView(organization),
    });
    response.status(201).json(organizationView(organization));
  });

  admin.get('/organizations', async (_request, response) => {
    const principal = principalOf(response);
    const visible = (await store.listOrganizations()).filter((organization) =>
      can(principal, 'organizations.read', { organization: organization.id }),
    );
    response.json(listView(visible.map(organizationView)));
  });

  admin.get('/organizations/:id', async (request, response) => {
    const principal = principalOf(response);
    const organization = await store.getOrganization(request.params.id);
    if (organization === undefined) throw notFound('The organization', request.params.id);
    await check(request, principal, 'organizations.read', { type: 'organization', id: organization.id, organization: organization.id });
    response.json(organizationView(organization));
  });

  // --- workspaces ------------------------------------------------------------------------------------

  admin.post('/workspaces', async (request, response) => {
    const principal = principalOf(response);
    const body = bodyObject(request.body, ['id', 'organization', 'display_name']);
    const id = checkSlug(requiredField(body, 'id'), 'id');
    const organization = checkSlug(requiredField(body, 'organization'), 'organization');
    const displayName = body.display_name === undefined ? id : checkLabel(body.display_name, 'display_name');
    if ((await store.getOrganization(organization)) === undefined) throw notFound('The organization', organization, 'organization');
    await check(request, principal, 'workspaces.manage', { type: 'workspace', id, organization });
    const workspace = await store.createWorkspace({ id, organization, displayName, createdBy: principal.subject });
    await report(request, principal, {
      action: 'workspaces.manage',
      outcome: 'allowed',
      target: { type: 'workspace', id, organization, workspace: id },
      after: workspaceView(workspace),
    });
    response.status(201).json(workspaceView(workspace));
  });

  admin.get('/workspaces', async (request, response) => {
    const principal = principalOf(response);
    const organization = request.query.organization === undefined ? undefined : checkSlug(request.query.organization, 'organization');
    const visible = (await store.listWorkspaces(organization)).filter((workspace) =>
      can(principal, 'workspaces.read', { organization: workspace.organization, workspace: workspace.id }),
    );
    response.json(listView(visible.map(workspaceView)));
  });

  admin.get('/workspaces/:id', async (request, response) => {
    const principal = principalOf(response);
    const workspace = await store.getWorkspace(request.params.id);
    if (workspace === undefined) throw notFound('The workspace', request.params.id);
    await check(request, principal, 'workspaces.read', {
      type: 'workspace',
      id: workspace.id,
      organization: workspace.organization,
      workspace: workspace.id,
    });
    response.json(workspaceView(workspace));
  });

  // --- members ---------------------------------------------------------------------------------------

  admin.post('/members', async (request, response) => {
    const principal = principalOf(response);
    const body = bodyObject(request.body, ['organization', 'workspace', 'subject', 'role']);
    const subject = checkSubject(requiredField(body, 'subject'), 'subject');
    const role = roleField(requiredField(body, 'role'), 'role');
    const workspaceId = body.workspace === undefined || body.workspace === null ? null : checkSlug(body.workspace, 'workspace');
    let organization = body.organization === undefined ? undefined : checkSlug(body.organization, 'organization');
    if (workspaceId !== null) {
      const workspace = await store.getWorkspace(workspaceId);
      if (workspace === undefined) throw notFound('The workspace', workspaceId, 'workspace');
      if (organization !== undefined && organization !== workspace.organization) {
        throw invalidRequest(`The workspace \`${workspaceId}\` belongs to \`${workspace.organization}\`, not \`${organization}\`.`, 'organization');
      }
      organization = workspace.organization;
    } else {
      if (organization === undefined)
        throw invalidRequest('`organization` is required for an organization-level member (no `workspace`).', 'organization', 'missing_field');
      if ((await store.getOrganization(organization)) === undefined) throw notFound('The organization', organization, 'organization');
    }
    const target = { type: 'member' as const, id: subject, organization, ...(workspaceId === null ? {} : { workspace: workspaceId }) };
    await check(request, principal, 'members.manage', target);
    await checkGrant(request, principal, 'members.manage', role, workspaceId === null ? 'organization' : 'workspace', target);
    const member = await store.addMember({ organization, workspace: workspaceId, subject, role, createdBy: principal.subject });
    await report(request, principal, {
      action: 'members.manage',
      outcome: 'allowed',
      target: { ...target, id: member.id },
      after: memberView(member),
    });
    response.status(201).json(memberView(member));
  });

  admin.get('/members', async (request, response) => {
    const principal = principalOf(response);
    const organization = request.query.organization === undefined ? undefined : checkSlug(request.query.organization, 'organization');
    const workspace = request.query.workspace === undefined ? undefined : checkSlug(request.query.workspace, 'workspace');
    const visible = (await store.listMembers({ organization, workspace })).filter((member) => can(principal, 'members.read', memberTarget(member)));
    response.json(listView(visible.map(memberView)));
  });

  admin.delete('/members/:id', async (request, response) => {
    const principal = principalOf(response);
    const member = await store.getMember(request.params.id);
    if (member === undefined) throw notFound('The member', request.params.id);
    const target = { type: 'member' as const, id: member.id, ...memberTarget(member) };
    await check(request, principal, 'members.manage', target);
    await checkGrant(request, principal, 'members.manage', member.role, member.workspace === null ? 'organization' : 'workspace', target);
    await store.removeMember(member.id);
    await report(request, principal, { action: 'members.manage', outcome: 'allowed', target, before: memberView(member) });
    response.json({ object: 'member', id: member.id, deleted: true });
  });

  // --- API keys --------------------------------------------------------------------------------------

  admin.post('/keys', async (request, response) => {
    const principal = principalOf(response);
    const body = bodyObject(request.body, ['workspace', 'name', 'role', 'scopes', 'expires_at']);
    const workspaceId = checkSlug(requiredField(body, 'workspace'), 'workspace');
    const name = checkLabel(requiredField(body, 'name'), 'name');
    const role = roleField(body.role, 'role', 'developer');
    const scopes = parseScopes(body.scopes);
    const expiresAt = futureDateField(body.expires_at, 'expires_at', now());
    const workspace = await store.getWorkspace(workspaceId);
    if (workspace === undefined) throw notFound('The workspace', workspaceId, 'workspace');
    const target = { type: 'api_key' as const, id: name, organization: workspace.organization, workspace: workspace.id };
    await check(request, principal, 'keys.create', target);
    await checkGrant(request, principal, 'keys.create', role, 'workspace', target);
    const issued = await keys.create({ workspace: workspace.id, name, role, scopes, expiresAt, createdBy: principal.subject });
    const view = keyView(issued.record, now());
    await report(request, principal, { action: 'keys.create', outcome: 'allowed', target: { ...target, id: issued.record.id }, after: view });
    response.status(201).json({ ...view, key: issued.key });
  });

  admin.get('/keys', async (request, response) => {
    const principal = principalOf(response);
    if (request.query.workspace === undefined)
      throw invalidRequest('`workspace` is required: the workspace whose keys to list.', 'workspace', 'missing_field');
    const workspaceId = checkSlug(request.query.workspace, 'workspace');
    const workspace = await store.getWorkspace(workspaceId);
    if (workspace === undefined) throw notFound('The workspace', workspaceId, 'workspace');
    await check(request, principal, 'keys.read', {
      type: 'workspace',
      id: workspace.id,
      organization: workspace.organization,
      workspace: workspace.id,
    });
    const time = now();
    response.json(listView((await keys.list(workspace.id)).map((key) => keyView(key, time))));
  });

  admin.get('/keys/:id', async (request, response) => {
    const principal = principalOf(response);
    const key = await keys.get(request.params.id);
    await check(request, principal, 'keys.read', { type: 'api_key', id: key.id, organization: key.organization, workspace: key.workspace });
    response.json(keyView(key, now()));
  });

  admin.post('/keys/:id/revoke', async (request, response) => {
    const principal = principalOf(response);
    bodyObject(request.body, []);
    const key = await keys.get(request.params.id);
    const target = { type: 'api_key' as const, id: key.id, organization: key.organization, workspace: key.workspace };
    await check(request, principal, 'keys.revoke', target);
    const revoked = await keys.revoke(key.id);
    const view = keyView(revoked, now());
    await report(request, principal, { action: 'keys.revoke', outcome: 'allowed', target, before: keyView(key, now()), after: view });
    response.json(view);
  });

  admin.post('/keys/:id/rotate', async (request, response) => {
    const principal = principalOf(response);
    const body = bodyObject(request.body, ['overlap_seconds']);
    const overlapSeconds = integerField(body.overlap_seconds, 'overlap_seconds', {
      minimum: 0,
      maximum: MAXIMUM_ROTATION_OVERLAP_SECONDS,
      fallback: DEFAULT_ROTATION_OVERLAP_SECONDS,
    });
    const key = await keys.get(request.params.id);
    const target = { type: 'api_key' as const, id: key.id, organization: key.organization, workspace: key.workspace };
    await check(request, principal, 'keys.rotate', target);
    const { previous, replacement } = await keys.rotate(key.id, overlapSeconds, principal.subject);
    const time = now();
    const view = keyView(replacement.record, time);
    await report(request, principal, {
      action: 'keys.rotate',
      outcome: 'allowed',
      target,
      before: keyView(key, time),
      after: { previous: keyView(previous, time), replacement: view },
    });
    response.status(201).json({ ...view, key: replacement.key, rotated_from: keyView(previous, time) });
  });

  // --- admin tokens ----------------------------------------------------------------------------------

  admin.post('/tokens', async (request, response) => {
    const principal = principalOf(response);
    const body = bodyObject(request.body, ['member', 'ttl_seconds']);
    const memberId = requiredField(body, 'member');
    if (typeof memberId !== 'string' || !/^mem_[A-Za-z0-9_-]{1,64}$/.test(memberId))
      throw invalidRequest('`member` must be a member id (`mem_…`).', 'member');
    const ttlSeconds = integerField(body.ttl_seconds, 'ttl_seconds', {
      minimum: 60,
      maximum: MAXIMUM_TOKEN_TTL_SECONDS,
      fallback: DEFAULT_TOKEN_TTL_SECONDS,
    });
    if (options.jwt === undefined) {
      throw new GatewayError('This server issues no admin JWTs: no JWT secret is configured.', {
        status: 501,
        errorClass: 'unavailable',
        code: 'tokens_not_configured',
      });
    }
    const member = await store.getMember(memberId);
    if (member === undefined) throw notFound('The member', memberId, 'member');
    const target = { type: 'token' as const, id: member.id, ...memberTarget(member) };
    await check(request, principal, 'tokens.issue', target);
    await checkGrant(request, principal, 'tokens.issue', member.role, member.workspace === null ? 'organization' : 'workspace', target);
    const { token, expiresAt } = await issueMemberToken(options.jwt, member, ttlSeconds, now());
    await report(request, principal, {
      action: 'tokens.issue',
      outcome: 'allowed',
      target,
      after: { member: member.id, expires_at: expiresAt.toISOString() },
    });
    response
      .status(201)
      .json({ object: 'token', token, token_type: 'Bearer', member: member.id, subject: member.subject, expires_at: expiresAt.toISOString() });
  });

  for (const routes of options.routes ?? []) admin.use(routes);

  admin.use((request, _response, next) => {
    next(
      new GatewayError(`Unknown admin API URL: ${request.method} ${request.baseUrl}${request.path}.`, {
        status: 404,
        errorClass: 'not_found',
        code: 'unknown_url',
      }),
    );
  });

  admin.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const known = toGatewayError(error);
    if (known.status >= 500) logger?.error({ err: error }, 'admin-api-failed');
    response.status(known.status).json(openAIErrorBody(known));
  });

  return router;
}

function memberTarget(member: Member): PermissionTarget {
  return { organization: member.organization, ...(member.workspace === null ? {} : { workspace: member.workspace }) };
}

/** Errors of body parsing (express.json) and of the handlers, as the API's own errors. */
function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const parsing = error as { type?: string; status?: number };
  if (parsing?.type === 'entity.too.large') {
    return new GatewayError(`The request body is larger than ${MAXIMUM_BODY_BYTES} bytes.`, {
      status: 413,
      errorClass: 'payload_too_large',
      code: 'body_too_large',
    });
  }
  if (parsing?.type === 'entity.parse.failed') return invalidRequest('The request body is not valid JSON.', null, 'invalid_json');
  if (parsing?.type === 'encoding.unsupported' || parsing?.type === 'charset.unsupported')
    return invalidRequest('The request body must be UTF-8 JSON.', null, 'invalid_body');
  if (error instanceof URIError) return invalidRequest('The request URL holds a malformed percent-encoding.', null, 'invalid_url');
  return new GatewayError('The admin API failed; see the server log.', { status: 500, errorClass: 'internal', code: 'internal_error' });
}
