import type { IncomingHttpHeaders } from 'node:http';
import { permissionDenied, scopeIncludes, type KeyScopes, type Principal, type Role } from '@switchyard/shared';
import { ATTRIBUTION_HEADERS } from '../telemetry/request-attribution';
import type { GatewayEndpoint } from './gateway-endpoints';

/**
 * What a principal may do, checked at the edge: the endpoints a key is
 * scoped to and the workspaces it may act for (both before the body is
 * read), the models it may request, the workspaces it may read.
 */

/**
 * The roles that may call each endpoint, as the permission matrix
 * (services/auth/src/rbac) grants `models.call`, `logs.read`, `usage.read`;
 * a test there checks the two agree.
 */
export const ENDPOINT_ROLES: Readonly<Record<GatewayEndpoint, readonly Role[]>> = {
  'chat.completions': ['owner', 'admin', 'developer'],
  messages: ['owner', 'admin', 'developer'],
  embeddings: ['owner', 'admin', 'developer'],
  'audio.transcriptions': ['owner', 'admin', 'developer'],
  responses: ['owner', 'admin', 'developer'],
  'models.read': ['owner', 'admin', 'developer', 'viewer'],
  'requests.read': ['owner', 'admin', 'developer', 'viewer'],
  'usage.read': ['owner', 'admin', 'developer', 'viewer'],
  'user_data.delete': ['owner', 'admin'],
  // Sending spans writes data, as calling a model does; reading traces is reading logs.
  'traces.write': ['owner', 'admin', 'developer'],
  'traces.read': ['owner', 'admin', 'developer', 'viewer'],
  'alerts.read': ['owner', 'admin', 'developer', 'viewer'],
  // Those who may call models may score their answers.
  'feedback.write': ['owner', 'admin', 'developer'],
  // Streamed audio is transcribed and summarised by models on the caller's behalf.
  'audio.stream': ['owner', 'admin', 'developer'],
  other: ['owner', 'admin', 'developer', 'viewer'],
};

/**
 * Refuses an endpoint the caller's role may not call (a viewer calling a
 * model), one outside the key's `scopes.endpoints`, and a workspace header
 * the caller may not act for.
 */
export function authorizeRequest(principal: Principal, endpoint: GatewayEndpoint, headers: IncomingHttpHeaders): void {
  authorizeEndpoint(principal, endpoint, ENDPOINT_ROLES[endpoint], headers);
}

/** The same checks for any endpoint by name (a plugin's), with the roles that may call it. */
export function authorizeEndpoint(principal: Principal, endpoint: string, roles: readonly Role[], headers: IncomingHttpHeaders): void {
  if (!roles.includes(principal.role)) {
    throw permissionDenied(`The role ${principal.role} may not call ${endpoint}.`, null, 'permission_denied');
  }
  const endpoints = principal.scopes.endpoints;
  if (endpoints !== undefined && !endpoints.includes(endpoint)) {
    throw permissionDenied(`This API key may not call ${endpoint}.`, null, 'endpoint_not_allowed');
  }
  const header = headers[ATTRIBUTION_HEADERS.workspace];
  const workspace = Array.isArray(header) ? header[0] : header;
  if (workspace !== undefined && !scopeIncludes(principal.actableWorkspaces, workspace)) {
    throw permissionDenied(`This credential may not act for the workspace named in ${ATTRIBUTION_HEADERS.workspace}.`, ATTRIBUTION_HEADERS.workspace);
  }
}

/** Refuses a model outside the key's `scopes.models`: checked on the model as requested, before any upstream call. */
export function authorizeModel(principal: Principal, model: string): void {
  if (!modelAllowed(principal.scopes, model)) throw permissionDenied('This API key may not use the requested model.', 'model', 'model_not_allowed');
}

/** An entry allows the model it names, or with a trailing `*` every model it begins. */
export function modelAllowed(scopes: KeyScopes, model: string): boolean {
  if (scopes.models === undefined) return true;
  return scopes.models.some((allowed) => (allowed.endsWith('*') ? model.startsWith(allowed.slice(0, -1)) : allowed === model));
}

/** Refuses an explicit `workspace` filter outside what the caller may read. */
export function authorizeWorkspaceFilter(principal: Principal, workspace: string | undefined): void {
  if (workspace !== undefined && !scopeIncludes(principal.readableWorkspaces, workspace)) {
    throw permissionDenied('This credential may not read that workspace.', 'workspace');
  }
}
