import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventPublisher } from '@switchyard/events';
import type { Logger, ObservabilityQueryService, ProviderAdapterService, RouterService, SwitchyardConfig } from '@switchyard/shared';
import { createRequestListener } from './http/create-http-app';
import { createGatewayHttpServer } from './http/create-http-server';
import { GatewayMetrics } from './http/gateway-metrics';
import { RequestExecutor } from './pipeline/request-executor';
import { PriceCatalog } from './telemetry/price-catalog';
import { RequestRecorder } from './telemetry/request-recorder';

export interface GatewayServer {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  port: number;
  metrics: GatewayMetrics;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

export interface GatewayServerOptions {
  config: SwitchyardConfig;
  router: RouterService;
  adapters: ProviderAdapterService;
  /** Receives an event for every model request. */
  events: EventPublisher;
  /** Answers the query API over recorded requests. */
  observability: ObservabilityQueryService;
  logger: Logger;
  /** Metrics of the gateway; pass one to register other components' metrics in the same registry. */
  metrics?: GatewayMetrics;
  /** Overrides `config.server.port` (0 picks a free port). */
  port?: number;
  host?: string;
}

/** Serves the HTTP API over the given router and adapter services, local or remote. */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { config, logger } = options;
  const metrics = options.metrics ?? new GatewayMetrics();
  let ready = false;
  const listener = createRequestListener({
    executor: new RequestExecutor(options.router, options.adapters, metrics.upstreamAttempt),
    router: options.router,
    observability: options.observability,
    recorder: new RequestRecorder(options.events, new PriceCatalog(config)),
    metrics,
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    requestTimeoutMs: config.server.requestTimeoutMs,
    bodyTimeoutMs: config.server.bodyTimeoutMs,
    limits: config.server.limits,
    corsAllowedOrigins: config.server.cors.allowedOrigins,
    isReady: () => ready,
  });
  const server: Server = createGatewayHttpServer(listener, config.server, metrics, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.server.port, options.host ?? config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  ready = true;
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? config.server.host;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;

  return {
    url,
    port,
    metrics,
    close: (graceMs = 10_000) => {
      ready = false;
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
