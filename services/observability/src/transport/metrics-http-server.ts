import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsHttpServer {
  port: number;
  close(): Promise<void>;
}

/** Answers a request it serves (the web dashboard's paths) and returns true; false for any other. */
export type ExtraHttpRoutes = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * Serves `GET /metrics` (Prometheus text) and `GET /healthz` for a service
 * that speaks no HTTP otherwise, and whatever `extraRoutes` serves first.
 */
export async function startMetricsHttpServer(
  registry: Registry,
  host: string,
  port: number,
  extraRoutes?: ExtraHttpRoutes,
): Promise<MetricsHttpServer> {
  const server = createServer((request, response) => {
    if (extraRoutes?.(request, response)) return;
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this port serves /metrics and /healthz.\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
