import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, openAIErrorBody } from '@switchyard/shared';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const DEFAULT_ALLOWED_HEADERS =
  'authorization, content-type, x-request-id, x-switchyard-workspace, x-switchyard-session-id, x-switchyard-metadata, x-switchyard-trace-id, x-switchyard-parent-span-id, x-switchyard-span-name, x-switchyard-user-id, x-switchyard-tags, x-switchyard-drop-unsupported-params, x-switchyard-prompt, traceparent';
const EXPOSED_HEADERS =
  'x-request-id, x-switchyard-provider, x-switchyard-model, x-switchyard-attempts, x-switchyard-route-path, x-switchyard-dropped-params, x-switchyard-served-by, x-switchyard-served-by-detail, retry-after, traceparent';
/** A preflight's `access-control-request-headers` is echoed only if it is a plain list of header names. */
const HEADER_NAME_LIST = /^[\w-]+(\s*,\s*[\w-]+)*$/;
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * Cross-origin access for browsers, off unless origins are listed
 * (`server.cors.allowedOrigins`): an unlisted origin gets no
 * `access-control-allow-origin`, so a page elsewhere cannot read answers or
 * send the JSON requests that need a preflight. Returns true when it answered
 * the request itself (a preflight).
 */
export function createCorsPolicy(allowedOrigins: readonly string[]): (request: IncomingMessage, response: ServerResponse) => boolean {
  const allowed = new Set(allowedOrigins);
  return (request, response) => {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    const listed = allowed.has(origin);
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!preflight) {
      if (listed) {
        response.setHeader('access-control-allow-origin', origin);
        response.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
        response.setHeader('vary', 'origin');
      }
      return false;
    }
    if (!listed) {
      const refusal = new GatewayError('This origin is not allowed to call the API (server.cors.allowedOrigins).', {
        status: 403,
        errorClass: 'invalid_request',
        param: 'origin',
        code: 'origin_not_allowed',
      });
      const body = JSON.stringify(openAIErrorBody(refusal));
      response.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), vary: 'origin' });
      response.end(body);
      return true;
    }
    const requestedHeaders = request.headers['access-control-request-headers'];
    response.writeHead(204, {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers':
        typeof requestedHeaders === 'string' && HEADER_NAME_LIST.test(requestedHeaders) ? requestedHeaders : DEFAULT_ALLOWED_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
      vary: 'origin',
    });
    response.end();
    return true;
  };
}
