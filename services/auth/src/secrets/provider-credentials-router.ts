import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { scopeIncludes, type Principal } from '@switchyard/shared';
import type { AuditLog } from '../audit/audit-log';
import { actorOf } from '../audit/audit-record';
import { SecretNameTakenError, type SecretAccess, type SecretStore } from './secret-store';

/** The permissions the routes ask the authorization check about. */
export const PROVIDER_CREDENTIAL_ACTIONS = {
  create: 'provider_credentials.create',
  read: 'provider_credentials.read',
  delete: 'provider_credentials.delete',
  rotate: 'provider_credentials.rotate',
} as const;
export type ProviderCredentialAction = (typeof PROVIDER_CREDENTIAL_ACTIONS)[keyof typeof PROVIDER_CREDENTIAL_ACTIONS];

export interface ProviderCredentialsRouterOptions {
  store: SecretStore;
  auditLog: AuditLog;
  /** The RBAC check: whether the principal's role holds the permission. */
  authorize: (principal: Principal, action: ProviderCredentialAction) => boolean;
  /**
   * The caller, as the admin API's authentication established it; default
   * `response.locals.principal`. Undefined answers 401.
   */
  principalOf?: (request: Request, response: Response) => Principal | undefined;
}

const createBodySchema = z.strictObject({
  /** Default: the workspace the credential acts for. */
  workspace: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ., _ or -')
    .optional(),
  provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lower-case letters, digits, - or _'),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, 'must be 1-128 letters, digits, spaces, ., _ or -'),
  value: z.string().min(1, 'must not be empty').max(16_384, 'must be at most 16384 characters'),
});

const BODY_LIMIT = '32kb';

/**
 * `/admin/v1/provider-credentials`, mounted by the admin API after its
 * authentication: `POST /` stores a credential and answers 201 with its
 * metadata (the value is never sent back), `GET /` lists metadata, `GET /:id`
 * shows one, `DELETE /:id` removes one, `POST /rewrap` re-wraps every data
 * key under the current master key. A credential outside the caller's
 * workspaces is answered 404, as if it did not exist; a permission the role
 * lacks is 403 and an audit record. Errors are OpenAI-shaped.
 */
export function createProviderCredentialsRouter(options: ProviderCredentialsRouterOptions): Router {
  const { store, auditLog, authorize } = options;
  const principalOf = options.principalOf ?? ((_request: Request, response: Response) => response.locals.principal as Principal | undefined);
  const router = express.Router();

  /** The principal, if authenticated and allowed `action`; otherwise answers and records the refusal. */
  const permitted = async (request: Request, response: Response, action: ProviderCredentialAction): Promise<Principal | undefined> => {
    const principal = principalOf(request, response);
    if (!principal) {
      sendError(response, 401, 'Authentication is required: send an admin token or a JWT as Authorization: Bearer.', 'unauthenticated');
      return undefined;
    }
    if (!authorize(principal, action)) {
      await auditLog.append({
        actor: actorOf(principal),
        action: 'permission.denied',
        outcome: 'denied',
        workspace: principal.workspace,
        target: { type: 'permission', id: action },
        source: sourceOf(request),
        reason: `role ${principal.role} lacks ${action}`,
      });
      sendError(response, 403, `Your role (${principal.role}) does not allow ${action}.`, 'permission_denied');
      return undefined;
    }
    return principal;
  };

  const accessOf = (principal: Principal, request: Request): SecretAccess => ({
    actor: actorOf(principal),
    source: sourceOf(request),
    requestId: headerValue(request, 'x-request-id'),
  });

  router.post(
    '/',
    express.json({ limit: BODY_LIMIT, strict: true }),
    handle(async (request, response) => {
      const principal = await permitted(request, response, PROVIDER_CREDENTIAL_ACTIONS.create);
      if (!principal) return;
      const parsed = createBodySchema.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const param = issue.path.map(String).join('.') || null;
        sendError(response, 400, `${param ?? 'body'}: ${issue.message}`, 'invalid_request', param);
        return;
      }
      const workspace = parsed.data.workspace ?? principal.workspace;
      if (!scopeIncludes(principal.actableWorkspaces, workspace)) {
        await auditLog.append({
          actor: actorOf(principal),
          action: 'permission.denied',
          outcome: 'denied',
          workspace,
          target: { type: 'workspace', id: workspace },
          source: sourceOf(request),
          reason: `cannot act for workspace ${workspace}`,
        });
        sendError(response, 403, `You may not act for workspace ${JSON.stringify(workspace)}.`, 'permission_denied', 'workspace');
        return;
      }
      try {
        const metadata = await store.create({ ...parsed.data, workspace }, accessOf(principal, request));
        response.status(201).json({ object: 'provider_credential', ...metadata });
      } catch (error) {
        if (!(error instanceof SecretNameTakenError)) throw error;
        sendError(response, 409, error.message, 'name_taken', 'name');
      }
    }),
  );

  router.get(
    '/',
    handle(async (request, response) => {
      const principal = await permitted(request, response, PROVIDER_CREDENTIAL_ACTIONS.read);
      if (!principal) return;
      const data = await store.list(principal.actableWorkspaces, accessOf(principal, request));
      response.json({ object: 'list', data: data.map((metadata) => ({ object: 'provider_credential', ...metadata })) });
    }),
  );

  router.post(
    '/rewrap',
    handle(async (request, response) => {
      const principal = await permitted(request, response, PROVIDER_CREDENTIAL_ACTIONS.rotate);
      if (!principal) return;
      response.json(await store.rewrapDataKeys(accessOf(principal, request)));
    }),
  );

  router.get(
    '/:id',
    handle(async (request, response) => {
      const principal = await permitted(request, response, PROVIDER_CREDENTIAL_ACTIONS.read);
      if (!principal) return;
      const metadata = await store.getMetadata(String(request.params.id));
      if (!metadata || !scopeIncludes(principal.actableWorkspaces, metadata.workspace)) return notFound(response, String(request.params.id));
      response.json({ object: 'provider_credential', ...metadata });
    }),
  );

  router.delete(
    '/:id',
    handle(async (request, response) => {
      const principal = await permitted(request, response, PROVIDER_CREDENTIAL_ACTIONS.delete);
      if (!principal) return;
      const id = String(request.params.id);
      const metadata = await store.getMetadata(id);
      // Another workspace's credential is answered like a missing one: its existence is not revealed.
      if (!metadata || !scopeIncludes(principal.actableWorkspaces, metadata.workspace)) return notFound(response, id);
      const deleted = await store.delete(id, accessOf(principal, request));
      if (!deleted) return notFound(response, id);
      response.json({ id, object: 'provider_credential', deleted: true });
    }),
  );

  // Malformed JSON, a body over the limit, or anything thrown: OpenAI's shape, never a stack or a value.
  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const status = (error as { status?: number }).status;
    const type = (error as { type?: string }).type;
    if (type === 'entity.parse.failed') return sendError(response, 400, 'The request body is not valid JSON.', 'invalid_json');
    if (type === 'entity.too.large') return sendError(response, 413, `The request body is larger than ${BODY_LIMIT}.`, 'body_too_large');
    if (status === 415 || type === 'encoding.unsupported')
      return sendError(response, 415, 'Send the body as application/json.', 'unsupported_media_type');
    sendError(response, 500, 'The provider credential could not be processed.', 'internal_error');
  });
  return router;
}

function handle(route: (request: Request, response: Response) => Promise<void>) {
  return (request: Request, response: Response, next: NextFunction) => {
    route(request, response).catch(next);
  };
}

function notFound(response: Response, id: string): void {
  sendError(response, 404, `No provider credential ${JSON.stringify(id)}.`, 'not_found', 'id');
}

const ERROR_TYPES: Record<number, string> = { 500: 'server_error' };

function sendError(response: Response, status: number, message: string, code: string, param: string | null = null): void {
  response.status(status).json({ error: { message, type: ERROR_TYPES[status] ?? 'invalid_request_error', param, code } });
}

function headerValue(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Where the call came from: the socket's address (a proxy's `X-Forwarded-For` is the admin API's to trust or not, via express's `trust proxy`). */
export function sourceOf(request: Request): { ip?: string; userAgent?: string } {
  return { ip: request.ip ?? request.socket.remoteAddress, userAgent: headerValue(request, 'user-agent') };
}
