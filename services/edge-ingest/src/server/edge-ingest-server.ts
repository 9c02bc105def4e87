import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { isGatewayError, openAIErrorBody, type Logger } from '@switchyard/shared';
import type { Registry } from 'prom-client';
import { SYNC_LOCAL_FILES_PATH, type OmiEndpoints } from '../omi/omi-endpoints';
import { bearerCredential, type EdgeAuthenticate } from '../omi/stream-authentication';

export interface EdgeIngestServerOptions {
  endpoints: OmiEndpoints;
  /** The same check the endpoints' streams use, for `POST /v1/sync-local-files`. */
  authenticate: EdgeAuthenticate;
  registry: Registry;
  logger: Logger;
  host: string;
  port: number;
}

export interface EdgeIngestServer {
  url: string;
  port: number;
  /** Closes every stream (1001), waits for their pipelines, then stops listening. */
  close(): Promise<void>;
}

/**
 * The `edge-ingest` role's own HTTP server (distributed mode): Omi's
 * WebSockets and `POST /v1/sync-local-files`, plus `/healthz`, `/readyz`
 * and `/metrics` for the orchestrator. Everything else is a 404.
 */
export async function startEdgeIngestServer(options: EdgeIngestServerOptions): Promise<EdgeIngestServer> {
  const { endpoints, authenticate, registry, logger } = options;
  let ready = false;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return answer(response, 200, { status: 'ok' });
    if (request.method === 'GET' && path === '/readyz') return answer(response, ready ? 200 : 503, { status: ready ? 'ready' : 'draining' });
    if (request.method === 'GET' && path === '/metrics') {
      void registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
      });
      return;
    }
    if (request.method === 'POST' && path === SYNC_LOCAL_FILES_PATH) {
      authenticate(bearerCredential(request.headers.authorization)).then(
        (owner) => endpoints.syncLocalFiles(request, response, owner),
        (error: unknown) => refuse(request, response, error),
      );
      return;
    }
    answer(response, 404, errorBody(`No route ${request.method} ${path}.`, 'invalid_request_error', 'unknown_url'));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0];
    if (endpoints.webSocketPaths.includes(path)) {
      endpoints.handleUpgrade(request, socket, head);
      return;
    }
    const body = JSON.stringify(errorBody(`No WebSocket is served at ${path}.`, 'invalid_request_error', 'unknown_url'));
    socket.end(`HTTP/1.1 404 ${STATUS_CODES[404]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  ready = true;
  const { port, address, family } = server.address() as AddressInfo;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  logger.info({ url }, 'edge-ingest-listening');
  return {
    url,
    port,
    close: async () => {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await endpoints.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * A refused credential as the gateway answers it: its own 401 or 403 in
 * OpenAI's error shape (whose messages never hold the credential); any
 * other failure a 503 that says nothing of its cause.
 */
function refuse(request: IncomingMessage, response: ServerResponse, error: unknown): void {
  request.resume();
  if (isGatewayError(error) && (error.status === 401 || error.status === 403)) return answer(response, error.status, openAIErrorBody(error));
  answer(response, 503, errorBody('Credentials cannot be checked right now; try again shortly.', 'server_error', 'authentication_unavailable'));
}

function errorBody(message: string, type: string, code: string): object {
  return { error: { message, type, param: null, code } };
}

function answer(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
