import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { uiAssetsDirectory } from '@switchyard/observability-ui';
import { GatewayError, openAIErrorBody } from '@switchyard/shared';

export const DASHBOARD_PATH = '/ui';

export interface DashboardOptions {
  /** The built dashboard; default the `@switchyard/observability-ui` workspace's `dist/`. */
  assetsDirectory?: string;
  /**
   * Where the page finds the API when it is not the origin that served it
   * (the observability service's port in distributed mode): written into
   * the page and allowed by its Content-Security-Policy.
   */
  apiOrigin?: string;
}

/** Serves a request for the dashboard; false when the path is not the dashboard's. */
export type DashboardHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

interface Asset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The web dashboard at `/ui`: its page and the assets the build made, read
 * once at first request and served from memory. The page needs no
 * credential (it asks for the key itself, and every API call it makes
 * needs one); only files the build wrote are served, by exact name.
 *
 * Every answer carries a Content-Security-Policy that allows scripts,
 * styles and connections only to this origin (and the API's, when another),
 * and forbids framing: a script injected through a record's content could
 * neither run nor send the key elsewhere.
 */
export function createDashboardRoutes(options: DashboardOptions = {}): DashboardHandler {
  const directory = options.assetsDirectory ?? uiAssetsDirectory;
  const apiOrigin = options.apiOrigin?.replace(/\/+$/, '');
  const headers = securityHeaders(apiOrigin);
  let assets: Map<string, Asset> | undefined;

  return (request, response) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      fail(
        response,
        new GatewayError(`${request.method} is not served at ${path}.`, { status: 405, errorClass: 'invalid_request', code: 'method_not_allowed' }),
      );
      return true;
    }
    try {
      assets ??= loadAssets(directory, apiOrigin);
    } catch {
      fail(
        response,
        new GatewayError('The dashboard has not been built: run `npx turbo run build`.', {
          status: 503,
          errorClass: 'unavailable',
          code: 'dashboard_not_built',
        }),
      );
      return true;
    }
    const name = path === DASHBOARD_PATH || path === `${DASHBOARD_PATH}/` ? 'index.html' : path.slice(DASHBOARD_PATH.length + 1);
    const asset = assets.get(name);
    if (!asset) {
      fail(response, new GatewayError(`The dashboard has no file ${path}.`, { status: 404, errorClass: 'not_found', code: 'unknown_url' }));
      return true;
    }
    response.writeHead(200, {
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      // The file names do not change between builds: a browser checks again rather than keeping an old script.
      'cache-control': 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}

function loadAssets(directory: string, apiOrigin: string | undefined): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const page = readFileSync(join(directory, 'index.html'), 'utf8').replace(
    '<meta name="switchyard-api-origin" content="" />',
    `<meta name="switchyard-api-origin" content="${escapeAttribute(apiOrigin ?? '')}" />`,
  );
  assets.set('index.html', { body: Buffer.from(page), contentType: CONTENT_TYPES['.html'] });
  for (const file of readdirSync(join(directory, 'assets'))) {
    const contentType = CONTENT_TYPES[extname(file)];
    if (contentType) assets.set(`assets/${file}`, { body: readFileSync(join(directory, 'assets', file)), contentType });
  }
  return assets;
}

function securityHeaders(apiOrigin: string | undefined): Record<string, string> {
  const connect = ["'self'"];
  if (apiOrigin) connect.push(apiOrigin, apiOrigin.replace(/^http/, 'ws'));
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src ${connect.join(' ')}`,
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

function fail(response: ServerResponse, error: GatewayError): void {
  const body = JSON.stringify(openAIErrorBody(error));
  response.writeHead(error.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
