import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import type { RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import type { EventPublisher } from '@switchyard/events';
import { LocalPlanExecutor } from '@switchyard/provider-adapters';
import {
  authenticationRequired,
  ConfigError,
  edgeExposureProblems,
  GatewayError,
  type GovernanceGate,
  isLoopbackHost,
  type KeyVerifier,
  type TokenVerifier,
  type Logger,
  type ObservabilityQueryService,
  type AttemptGate,
  executionPolicy,
  type ExperimentAssigner,
  type PlanExecutor,
  type PluginServices,
  type ProviderAdapterService,
  type RouterService,
  type SwitchyardConfig,
} from '@switchyard/shared';
import { CostRecommender } from './analytics/cost-recommendations';
import { ClientCountryLocator } from './telemetry/client-country';
import type { GatewayAuditHooks } from './auth/gateway-audit-hooks';
import { RequestAuthenticator } from './auth/request-authenticator';
import { createRequestListener } from './http/create-http-app';
import type { ConversationQueries } from './http/conversation-routes';
import { createDashboardRoutes } from './http/dashboard-routes';
import { attachLiveTailSocket } from './http/live-tail-socket';
import { edgeAuthenticate, type EdgeIngestMount } from './http/edge-routes';
import { UpgradeDispatcher } from './http/upgrade-dispatcher';
import { LiveTailHub } from './live-tail/live-tail-hub';
import { ModelDetails } from './http/model-details';
import { createGatewayHttpServer } from './http/create-http-server';
import { ServerCertificate } from './http/server-certificate';
import { GatewayMetrics } from './http/gateway-metrics';
import { RequestExecutor, type InFlightCounter, type ReportObserver } from './pipeline/request-executor';
import { buildPluginPipeline, type PluginSetup } from './plugins/build-plugin-pipeline';
import type { PluginPipeline } from './plugins/plugin-pipeline';
import { PriceCatalog } from './telemetry/price-catalog';
import { RequestRecorder } from './telemetry/request-recorder';
import { ExportingRequestRecorder } from './telemetry/otel/exporting-request-recorder';
import { startConfiguredOtelExport } from './telemetry/otel/otel-export';
import type { ResponseStore } from './responses-store/response-store';

export interface GatewayServer {
  /** The address the socket is bound to, e.g. `http://127.0.0.1:8080`, `http://[::]:8080`, or `https://…` with `server.tls`. */
  url: string;
  /** Whether requests need a credential. */
  authenticationRequired: boolean;
  port: number;
  metrics: GatewayMetrics;
  /** The plugins chat requests pass through (empty without any). */
  plugins: PluginPipeline;
  /** Takes up the providers of a reloaded config: the prices records are costed with, the details `/v1/models` lists. */
  applyConfig(config: SwitchyardConfig): void;
  /**
   * Stops accepting and lets in-flight requests finish for up to `graceMs`;
   * then cancels the upstream calls of those still running (each recorded as
   * cancelled by the shutdown), gives them `SHUTDOWN_SETTLE_MS` to answer and
   * be recorded, and closes every connection.
   */
  close(graceMs?: number): Promise<void>;
}

export interface GatewayServerOptions {
  config: SwitchyardConfig;
  router: RouterService;
  /**
   * Runs each request's plan: the adapter service's client in distributed
   * mode (one gRPC call per request). Without it, `adapters` are run by a
   * plan executor in this process.
   */
  planExecutor?: PlanExecutor;
  /** The adapters themselves, for a plan executor in this process; ignored when `planExecutor` is given. */
  adapters?: ProviderAdapterService;
  /** Breakers and key cool-downs of the plan executor in this process; admits everything unless given. */
  attemptGate?: AttemptGate;
  /** Told of every request's execution report once its last attempt is over (live statistics). */
  observeReport?: ReportObserver;
  /** Told when each request goes to its plan's first deployment and when it is over (`least-busy`). */
  inFlight?: InFlightCounter;
  /** Receives an event for every model request. */
  events: EventPublisher;
  /** Answers the query API over recorded requests. */
  observability: ObservabilityQueryService;
  logger: Logger;
  /** Metrics of the gateway; pass one to register other components' metrics in the same registry. */
  metrics?: GatewayMetrics;
  /** Rate limits and budgets (`@switchyard/auth`'s `openGovernanceGate`); none when absent. */
  governance?: GovernanceGate;
  /** Overrides `config.server.port` (0 picks a free port). */
  port?: number;
  /** Overrides `config.server.host`; checked as the config's would be. */
  host?: string;
  /** `SWITCHYARD_ADMIN_TOKEN`: set, every route but the public ones needs a credential. */
  adminToken?: string;
  /** Resolves virtual keys (`sk-sy-…`). */
  keyVerifier?: KeyVerifier;
  /** Resolves bearer JWTs. */
  tokenVerifier?: TokenVerifier;
  /** Told of refused credentials and permissions, and of deleted user data. */
  audit?: GatewayAuditHooks;
  /**
   * Routes that authenticate their callers themselves (the admin API): only
   * `/admin/v1/…` and `/openapi.json` reach them, and the edge lets those
   * paths through without a credential check of its own.
   */
  adminRoutes?: RequestHandler;
  /**
   * The built-in plugin factories and the services they share; the config's
   * `plugins` section orders them and adds custom ones. Without it, only
   * `plugins.modules` are built (with services that refuse to be used).
   */
  plugins?: PluginSetup;
  /** Stored responses of the Responses API (`openingResponseStore` over the records database); none: not stored. */
  responseStore?: ResponseStore;
  /**
   * Tells the live tail (`/v1/requests/live`) of each recorded request: one
   * subscribed to the in-process bus in one process. Without it the gateway
   * taps its own publisher (the requests it recorded itself).
   */
  liveTail?: LiveTailHub;
  /** Omi's edge routes (`/v4/listen`, `/v4/web/listen`, `/v1/sync-local-files`) on this port; not served when absent. */
  edgeIngest?: EdgeIngestMount;
  /** Conversations of wearable audio streams for `/v1/conversations` (`@switchyard/edge-ingest`'s store); a 404 there when absent. */
  conversations?: ConversationQueries;
  /** A/B tests (`@switchyard/auth`'s `StoredExperimentAssigner`): the arm of a model experiment replaces a chat request's model. */
  experiments?: ExperimentAssigner;
}

/** Serves the HTTP API over the given router and adapter services, local or remote. */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { config, logger } = options;
  const host = options.host ?? config.server.host;
  // The same check as the config's, on the address actually used.
  const problems = edgeExposureProblems({ ...config, server: { ...config.server, host } }, options.adminToken);
  if (problems.length > 0) throw new ConfigError(`invalid config:\n${problems.join('\n')}`);
  const required = authenticationRequired(config, options.adminToken);
  const metrics = options.metrics ?? new GatewayMetrics();
  let ready = false;
  const executor = new RequestExecutor(options.router, planExecutorOf(options), {
    resilience: config.resilience,
    requestTimeoutMs: config.server.requestTimeoutMs,
    providers: config.providers,
    observeAttempt: metrics.upstreamAttempt,
    observeReport: options.observeReport,
    inFlight: options.inFlight,
  });
  // Plugins' provider embeddings go through this gateway's own routing, unrecorded: they are the gateway's work, not a client's.
  options.plugins?.bindEmbeddings?.(async (request, signal) => {
    const execution = executor.begin({ requestId: `plugin-embedding-${randomUUID()}`, signal: signal ?? new AbortController().signal });
    try {
      return (await executor.embed(request, execution.context)).response;
    } finally {
      execution.end();
    }
  });
  const plugins = await buildPluginPipeline(options.plugins ?? { factories: [], services: unservedPluginServices(config, logger) }, logger, metrics);
  const prices = new PriceCatalog(config);
  const modelDetails = new ModelDetails(config);
  const liveTail = options.liveTail ?? new LiveTailHub();
  const events = options.liveTail ? options.events : liveTail.tap(options.events);
  const authenticator = new RequestAuthenticator({
    required,
    adminToken: options.adminToken || undefined,
    keyVerifier: options.keyVerifier,
    tokenVerifier: options.tokenVerifier,
  });
  const costRecommender = new CostRecommender(config);
  const edgeIngest = options.edgeIngest?.(edgeAuthenticate(authenticator));
  // OpenTelemetry export (the `telemetry` section): undefined, and nothing of its SDK loaded, when it is off.
  const otel = await startConfiguredOtelExport(config, logger);
  const listener = createRequestListener({
    executor,
    router: options.router,
    observability: options.observability,
    recorder: otel ? new ExportingRequestRecorder(events, prices, otel) : new RequestRecorder(events, prices),
    modelDetails,
    costRecommender,
    countryLocator: new ClientCountryLocator(config.analytics),
    metrics,
    logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    requestTimeoutMs: config.server.requestTimeoutMs,
    bodyTimeoutMs: config.server.bodyTimeoutMs,
    limits: config.server.limits,
    corsAllowedOrigins: config.server.cors.allowedOrigins,
    isReady: () => ready,
    governance: options.governance,
    authenticator,
    publicMetrics: config.auth.publicMetrics,
    queryLimits: config.observability.queries,
    traces: config.traces,
    audit: options.audit,
    adminRoutes: options.adminRoutes,
    responseStore: options.responseStore,
    conversations: options.conversations,
    experiments: options.experiments,
    plugins,
    dashboard: createDashboardRoutes(),
    edgeIngest,
  });
  // Read before listening: a missing or mismatched certificate stops the start, naming server.tls.*.
  const certificate = config.server.tls ? new ServerCertificate(config.server.tls, logger) : undefined;
  const server: Server = createGatewayHttpServer(listener, config.server, metrics, logger, certificate?.pair);
  const upgrades = new UpgradeDispatcher(server);
  if (edgeIngest) for (const path of edgeIngest.webSocketPaths) upgrades.route(path, edgeIngest.handleUpgrade);
  const liveTailSocket = attachLiveTailSocket(upgrades, { hub: liveTail, authenticator, allowedOrigins: config.server.cors.allowedOrigins, logger });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.server.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    certificate?.close();
    await edgeIngest?.close();
    await plugins.close();
    await otel?.shutdown();
    throw error;
  }
  // New connections get a renewed certificate; open ones keep the one they were made with.
  certificate?.watch((pair) => (server as unknown as TlsServer).setSecureContext(pair));
  ready = true;
  const bound = server.address() as AddressInfo;
  const port = bound.port;
  const scheme = certificate ? 'https' : 'http';
  const url = `${scheme}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${port}`;
  if (required) {
    logger.info(
      { url, publicRoutes: config.auth.publicMetrics ? ['/healthz', '/readyz', '/metrics'] : ['/healthz', '/readyz'] },
      'authentication-required',
    );
  } else if (isLoopbackHost(host)) {
    logger.info(
      { url },
      'accepting unauthenticated requests from this machine only; set SWITCHYARD_ADMIN_TOKEN (or auth.enabled) to require credentials',
    );
  } else {
    logger.warn(
      { url, event: 'unauthenticated-exposure' },
      `accepting unauthenticated requests on ${host} (server.allowUnauthenticated): anyone who reaches this port spends the provider keys and reads every record`,
    );
  }

  return {
    url,
    port,
    authenticationRequired: required,
    metrics,
    plugins,
    applyConfig: (next) => {
      prices.applyConfig(next);
      modelDetails.applyConfig(next);
      costRecommender.applyConfig(next);
      otel?.applyConfig(next);
    },
    close: async (graceMs = 10_000) => {
      ready = false;
      certificate?.close();
      // Upgraded sockets are no longer the HTTP server's to close.
      liveTailSocket.close();
      // Streams close with 1001 (the app reconnects elsewhere); what their pipelines hold is finished meanwhile.
      const edgeClosed = edgeIngest?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (!(await within(executor.whenIdle(), graceMs))) {
        logger.warn({ inFlight: executor.inFlightCount, graceMs }, 'shutdown-grace-over');
        executor.abortAll(shutDown(graceMs));
        await within(executor.whenIdle(), SHUTDOWN_SETTLE_MS);
      }
      // Model requests are over; what else is open (idle keep-alive connections, a slow query) is cut.
      server.closeAllConnections();
      await closed;
      await edgeClosed;
      // Their work off the request path (cache writes) ends before they close.
      await plugins.close();
      // Every request is recorded by now: their spans go out before the export stops.
      await otel?.shutdown();
    },
  };
}

function planExecutorOf(options: GatewayServerOptions): PlanExecutor {
  if (options.planExecutor) return options.planExecutor;
  if (!options.adapters) throw new ConfigError('the gateway needs a plan executor, or provider adapters to run plans with');
  return new LocalPlanExecutor(options.adapters, { gate: options.attemptGate, defaultPolicy: executionPolicy(options.config.resilience) });
}

/** Services for custom plugins when the caller gave none: config and logger, and an error naming what is missing. */
function unservedPluginServices(config: SwitchyardConfig, logger: Logger): PluginServices {
  const missing = (service: string) => (): never => {
    throw new ConfigError(`no ${service} is available to plugins: the gateway was started without plugin services`);
  };
  return { config, logger, embedder: missing('embedder'), vectorStore: missing('vector store'), guardrails: missing('guardrail checker') };
}

/** How long requests cancelled by a shutdown get to answer their clients and be recorded. */
export const SHUTDOWN_SETTLE_MS = 2_000;

/** What a request still running when the shutdown grace ran out is recorded with. */
function shutDown(graceMs: number): GatewayError {
  return new GatewayError(`The gateway shut down: the request did not complete within the ${graceMs} ms shutdown grace period.`, {
    status: 503,
    errorClass: 'cancelled',
    code: 'server_shutting_down',
  });
}

/** Whether `promise` settled within `timeoutMs`. */
async function within(promise: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}
