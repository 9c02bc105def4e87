import { EventPublisherMetrics, KafkaEventPublisherThread } from '@switchyard/events';
import {
  LocalObservabilityService,
  ObservabilityGrpcClient,
  observabilityGrpcService,
  openEventDatabase,
  startMetricsHttpServer,
  startObservabilityConsumers,
  RetentionJob,
} from '@switchyard/observability';
import { hostname } from 'node:os';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { authenticationRequired, ConfigError, executionPolicy, resolveSecret, type Logger, type SwitchyardConfig } from '@switchyard/shared';
import { createPostgresClient, type SqlClient } from '@switchyard/database';
import { startAlerting } from './alerting';
import { conversationRecordSinks, conversationRoutesOptions } from './edge-conversations';
import {
  grpcClientSecurity,
  grpcMessageLimits,
  grpcServerSecurity,
  startGrpcServer,
  type GrpcClientSecurity,
  type GrpcServerSecurity,
  type GrpcServiceRegistration,
  type RunningGrpcServer,
} from '@switchyard/rpc';
import {
  AdapterGrpcClient,
  adapterGrpcService,
  catalogModelFacts,
  LocalPlanExecutor,
  PlanExecutorGrpcClient,
  startResilienceGate,
  type StartedResilienceGate,
} from '@switchyard/provider-adapters';
import {
  DiscoveredModelsFollower,
  LocalRouterService,
  RouterGrpcClient,
  routerGrpcService,
  SnapshotPublisher,
  SnapshotRouterService,
  StatisticsTracker,
} from '@switchyard/router';
import {
  createDashboardRoutes,
  GatewayMetrics,
  openingResponseStore,
  startGatewayServer,
  type DashboardHandler,
  type GatewayServer,
  type GatewayServerOptions,
} from '@switchyard/gateway';
import { openGovernanceGate, StoredLimitRules } from '@switchyard/auth';
import {
  builtInPluginFactories,
  lazyPluginServices,
  localServiceMakers,
  remotePluginServices,
  semanticGrpcService,
  type ClosablePluginServices,
  type SemanticBackends,
} from '@switchyard/semantic';
import { applyConfigTarget, ReloadableAdapterService, type ConfigReloadTarget } from '../config-reload';
import { influxOptions } from './event-destinations';
import { coldStorageOf } from './cold-storage';
import type { GatewayOverrides } from './embedded';
import { startGovernance } from './governance';
import { routerSnapshotMetrics } from './router-snapshot-metrics';

/** A service listening on its own gRPC port. */
export interface RunningService {
  port: number;
  /** Port of its HTTP `/metrics`, for services that have one. */
  metricsPort?: number;
  /** What takes up a reloaded config (`startConfigReload`); none for a service that reloads nothing. */
  reloadTargets?: readonly ConfigReloadTarget[];
  close(graceMs?: number): Promise<void>;
}

/** How often a gateway pings the router on its watch, and how long it waits for the answer before it watches again. */
const ROUTER_KEEPALIVE_MS = 30_000;
const ROUTER_KEEPALIVE_TIMEOUT_MS = 10_000;

/** The router service in its own process; `applyConfig` swaps its routes and publishes a new snapshot. */
export interface RunningRouterService extends RunningService {
  /**
   * Routes and providers from `config` from now on: checked in full first
   * (throws `ConfigError` naming the path, and the old ones keep serving),
   * then swapped, and a new snapshot version is pushed to every gateway.
   */
  applyConfig(config: SwitchyardConfig): void;
  /** The snapshot version gateways are given now. */
  readonly snapshotVersion: number;
}

/**
 * The gateway alone: follows the router's snapshots and resolves routes
 * from the last one (no call to the router per request, and none needed
 * while it is away), calls the adapter service and the observability
 * service over gRPC, and publishes its events to Kafka.
 */
export async function startDistributedGateway(config: SwitchyardConfig, logger: Logger, overrides: GatewayOverrides = {}): Promise<GatewayServer> {
  const kafka = requireKafka(config, 'gateway');
  const { router: routerAddress, adapters: adaptersAddress, observability: observabilityAddress, callTimeoutMs } = config.services;
  // Before anything starts: plaintext to a non-loopback address that is not allowed stops the gateway here,
  // and so does TLS without a client certificate, which the adapter service would refuse at every call.
  if (config.tls.ca !== undefined && config.tls.cert === undefined) {
    throw new ConfigError(
      'tls.cert: the gateway needs a client certificate (tls.cert and tls.key): the adapter service accepts no caller without one',
    );
  }
  const security = grpcClientSecurity({
    tls: config.tls,
    addresses: {
      'services.router': routerAddress,
      'services.adapters': adaptersAddress,
      'services.observability': observabilityAddress,
      'services.semantic': config.services.semantic,
    },
    logger,
  });
  const metrics = new GatewayMetrics();
  // Rate limits and budgets (the config's, and those stored through the admin API), shared through Redis;
  // every gateway adds the costs it records to the budgets.
  const storedLimits = new StoredLimitRules();
  const governance = await openGovernanceGate(config.governance, { logger, registry: metrics.registry, storedRules: storedLimits });
  // On a thread of its own: the Kafka client, compression and the spool never run on the thread serving requests.
  const events = await KafkaEventPublisherThread.start({
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    topicPrefix: kafka.topicPrefix,
    spoolDirectory: config.events.spoolDirectory,
    spoolMaxBytes: config.events.spoolMaxBytes,
    queueCapacity: config.events.queueCapacity,
    lingerMs: config.events.lingerMs,
    logger,
    metrics: new EventPublisherMetrics(metrics.registry),
  });
  const limits = grpcMessageLimits(config.server.bodyLimitBytes);
  const channel = { callTimeoutMs, credentials: security.credentials, channelOptions: security.channelOptions };
  const routerClient = new RouterGrpcClient({
    ...channel,
    address: routerAddress,
    messageLimits: limits.router,
    // The watch is silent between versions: pings tell a router that vanished without closing the connection (a partition) from a quiet one.
    channelOptions: {
      ...channel.channelOptions,
      'grpc.keepalive_time_ms': ROUTER_KEEPALIVE_MS,
      'grpc.keepalive_timeout_ms': ROUTER_KEEPALIVE_TIMEOUT_MS,
    },
  });
  const statistics = new StatisticsTracker();
  const router = new SnapshotRouterService(routerClient, {
    watcher: `gateway-${hostname()}-${process.pid}`,
    ...config.controlPlane,
    logger,
    metrics: routerSnapshotMetrics(metrics.registry),
    // Strategies read what this gateway saw of each deployment (the adapter service's breakers skip open ones).
    statistics,
    modelFacts: catalogModelFacts(),
  });
  router.start();
  // ONE call per request: the adapter service runs the whole plan (retries, fallback) next to the providers.
  // A stream may last as long as the whole request is allowed to.
  const planExecutor = new PlanExecutorGrpcClient({
    ...channel,
    address: adaptersAddress,
    messageLimits: limits.adapters,
    streamTimeoutMs: config.server.requestTimeoutMs,
  });
  const observability = new ObservabilityGrpcClient({ ...channel, address: observabilityAddress, messageLimits: limits.observability });
  const published = governance?.spendSink ? governance.spendSink.withBudgetSpend(events) : events;
  // Keys, the admin API and the audit trail: their tables live in the records database.
  const postgresUrl = governancePostgresUrl(config, logger);
  const governanceClient = postgresUrl ? createPostgresClient({ url: postgresUrl, logger, applicationName: 'switchyard-gateway' }) : undefined;
  const governanceTables = startGovernance({
    config,
    logger,
    client: governanceClient && Promise.resolve(governanceClient),
    mode: 'distributed',
    adminToken: overrides.adminToken,
    authenticationRequired: authenticationRequired(config, overrides.adminToken),
    storedLimits,
  });
  // The model-backed services are the semantic service's (services.semantic), dialled when a plugin first asks.
  const pluginServices = distributedPluginServices(config, logger, security);
  const gateway = await startGatewayServer({
    config,
    router,
    planExecutor,
    observeReport: (report) => statistics.record(report),
    inFlight: statistics,
    observability,
    events: published,
    metrics,
    logger,
    governance: governance?.gate,
    plugins: { factories: builtInPluginFactories, services: pluginServices },
    ...governanceTables.gatewayOptions,
    ...responseStoreOptions(config, governanceClient),
    ...conversationRoutesOptions(governanceClient && (() => Promise.resolve(governanceClient))),
    ...overrides,
  });
  return {
    ...gateway,
    close: async (graceMs) => {
      await gateway.close(graceMs);
      await pluginServices.close();
      await router.close();
      routerClient.close();
      planExecutor.close();
      observability.close();
      security.close();
      // Requests are over: what they published goes to Kafka, or to the spool.
      await events.close();
      await governanceTables.close();
      await governanceClient?.close();
      await governance?.close();
    },
  };
}

/**
 * The observability service on `address` (default `services.observability`):
 * the Kafka consumer group that writes events to Postgres (and InfluxDB when
 * configured), and the gRPC query service over Postgres.
 */
export async function startObservabilityService(
  config: SwitchyardConfig,
  logger: Logger,
  address = config.services.observability,
  metricsPort = config.observability.metricsPort,
): Promise<RunningService> {
  const kafka = requireKafka(config, 'observability');
  if (!config.observability.postgresUrl) {
    throw new ConfigError('the observability service needs observability.postgresUrl (or SWITCHYARD_POSTGRES_URL)');
  }
  // Before anything starts: a plaintext bind that is not allowed stops the service here.
  const security = serviceSecurity(config, logger, 'observability', address);
  const postgresUrl = resolveSecret(config.observability.postgresUrl);
  const coldStorage = coldStorageOf(config);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_' });
  const consumers = await startObservabilityConsumers({
    metricsRegistry: registry,
    brokers: kafka.brokers,
    postgresUrl,
    influx: influxOptions(config),
    recordSinks: conversationRecordSinks(),
    groupId: config.observability.consumerGroup,
    topicPrefix: kafka.topicPrefix,
    // A new group reads what the topics still hold: events published before its first start are recorded too.
    fromBeginning: true,
    consumer: {
      maxEventsPerWrite: config.observability.batchMaxEvents,
      partitionsConsumedConcurrently: config.observability.partitionsConcurrently,
      sessionTimeoutMs: config.observability.sessionTimeoutMs,
    },
    logger,
  });
  // Queries have their own pool, so a slow report never holds up the writers.
  const database = await openEventDatabase({ postgresUrl, logger });
  const server = await serveGrpc(
    config,
    logger,
    'observability',
    address,
    [
      observabilityGrpcService(
        new LocalObservabilityService(database.client, { ...config.observability.queries, coldStorage: coldStorage?.reader }),
        logger,
      ),
    ],
    security,
  );
  const { retentionDays } = config.observability;
  const retention = retentionDays === undefined ? undefined : new RetentionJob(database.client, { retentionDays, logger });
  retention?.start();
  const alerting = startAlerting(config, logger, database.client, registry);
  coldStorage?.startExports(database.client, logger);
  const metrics = await startMetricsHttpServer(registry, config.server.host, metricsPort, observabilityDashboard(config));
  return {
    port: server.port,
    metricsPort: metrics.port,
    close: async (graceMs = 10_000) => {
      await alerting?.stop();
      await retention?.stop();
      await coldStorage?.close();
      await server.shutdown(graceMs);
      await consumers.stop();
      await database.close();
      await metrics.close();
    },
  };
}

export function requireKafka(config: SwitchyardConfig, role: string): NonNullable<SwitchyardConfig['events']['kafka']> {
  if (!config.events.kafka) {
    throw new ConfigError(`the ${role} needs Kafka: set events.kafka.brokers in the config, or SWITCHYARD_KAFKA_BROKERS`);
  }
  return config.events.kafka;
}

/**
 * The router service on `address` (default `services.router`). When a
 * provider is configured without `models`, it follows the model lists the
 * adapter service (`services.adapters`, which holds the keys to ask with)
 * discovers, and keeps the last ones while that service is away.
 */
export async function startRouterService(config: SwitchyardConfig, logger: Logger, address = config.services.router): Promise<RunningRouterService> {
  const router = new LocalRouterService(config, { modelFacts: catalogModelFacts() });
  let following = router.followsDiscoveredModels ? followDiscoveredModels(config, logger, router) : undefined;
  const snapshots = new SnapshotPublisher(router, { logger });
  let server: RunningGrpcServer;
  try {
    server = await serveGrpc(config, logger, 'router', address, [routerGrpcService(router, logger, snapshots)]);
  } catch (error) {
    snapshots.close();
    following?.close();
    throw error;
  }
  const applyConfig = (next: SwitchyardConfig) => {
    router.applyConfig(next);
    // A provider now configured without `models` needs the lists the adapter service discovers.
    if (following === undefined && router.followsDiscoveredModels) following = followDiscoveredModels(next, logger, router);
  };
  return {
    port: server.port,
    get snapshotVersion() {
      return snapshots.snapshot.version;
    },
    applyConfig,
    // Its one step checks the whole config before swapping: the router's only target.
    reloadTargets: [applyConfigTarget('router', ['providers', 'routes'], { applyConfig })],
    close: async (graceMs = 10_000) => {
      // Watches never end on their own: ending them first lets the server drain the calls that do.
      snapshots.close();
      await server.shutdown(graceMs);
      following?.close();
    },
  };
}

/** The router's client of the adapter service, asking for the discovered model lists every `modelDiscovery.followIntervalMs`. */
function followDiscoveredModels(config: SwitchyardConfig, logger: Logger, router: LocalRouterService): { close(): void } {
  const address = config.services.adapters;
  const security = grpcClientSecurity({ tls: config.tls, addresses: { 'services.adapters': address }, logger });
  const client = new AdapterGrpcClient({
    address,
    callTimeoutMs: config.modelDiscovery.timeoutMs,
    credentials: security.credentials,
    channelOptions: security.channelOptions,
    messageLimits: grpcMessageLimits(config.server.bodyLimitBytes).adapters,
  });
  const follower = new DiscoveredModelsFollower(client, (models) => router.applyDiscoveredModels(models), {
    intervalMs: config.modelDiscovery.followIntervalMs,
    timeoutMs: config.modelDiscovery.timeoutMs,
    logger,
  });
  follower.start();
  return {
    close: () => {
      follower.close();
      client.close();
      security.close();
    },
  };
}

/**
 * The provider adapter service on `address` (default `services.adapters`).
 * It holds the provider secrets: over TLS it requires a client certificate
 * signed by `tls.ca` whatever `tls.requireClientCert` says.
 */
export async function startAdapterService(config: SwitchyardConfig, logger: Logger, address = config.services.adapters): Promise<RunningService> {
  const adapters = new ReloadableAdapterService(config, { logger });
  let resilience: StartedResilienceGate | undefined;
  let server: RunningGrpcServer;
  try {
    // Circuit breakers (shared with the other replicas through Redis, with `governance.redisUrl`) and key cool-downs.
    resilience = await startResilienceGate(config, { keyPools: () => adapters.keyPools, logger });
    // Plans come with the gateway's policy; this service's `resilience` defaults serve plans sent without one.
    const planExecutor = new LocalPlanExecutor(adapters, { gate: resilience.gate, defaultPolicy: executionPolicy(config.resilience) });
    server = await serveGrpc(config, logger, 'adapters', address, [adapterGrpcService(adapters, logger, planExecutor)]);
  } catch (error) {
    await adapters.close();
    await resilience?.close();
    throw error;
  }
  const started = resilience;
  // The lists of providers configured without `models`, which the router asks this service for.
  void adapters.startModelDiscovery();
  return {
    port: server.port,
    reloadTargets: [adapters],
    close: async (graceMs = 10_000) => {
      await server.shutdown(graceMs);
      await adapters.close();
      await started.close();
    },
  };
}

/**
 * The semantic service on `address` (default `services.semantic`): the
 * embedder, vector store and guardrail checks of the gateways' semantic
 * plugins, each built on its first call. It holds every workspace's vectors
 * (cached answers among them): over TLS it requires a client certificate
 * signed by `tls.ca` whatever `tls.requireClientCert` says.
 */
export async function startSemanticService(
  config: SwitchyardConfig,
  logger: Logger,
  address = config.services.semantic,
  backends?: SemanticBackends,
): Promise<RunningService> {
  if (!backends && config.embedder.kind === 'provider') {
    // Provider embeddings run through a gateway's routing, which this service does not have.
    throw new ConfigError('embedder.kind: provider is served in one process only; the semantic service embeds with kind offline or download');
  }
  // Backends given by the caller stay the caller's to close.
  const served = backends ? { ...backends, close: async () => {} } : lazyPluginServices(config, logger, localServiceMakers);
  let server: RunningGrpcServer;
  try {
    server = await serveGrpc(config, logger, 'semantic', address, [semanticGrpcService(served, logger)]);
  } catch (error) {
    await served.close();
    throw error;
  }
  return {
    port: server.port,
    close: async (graceMs = 10_000) => {
      await server.shutdown(graceMs);
      await served.close();
    },
  };
}

/**
 * A distributed gateway's `PluginServices`: clients of the semantic service
 * at `services.semantic`, over one channel opened when a plugin first needs
 * it, with the gateway's client `security` (made here when not given: then
 * plaintext off loopback is refused unless `tls.allowInsecure`).
 */
export function distributedPluginServices(config: SwitchyardConfig, logger: Logger, security?: GrpcClientSecurity): ClosablePluginServices {
  const address = config.services.semantic;
  const channel = security ?? grpcClientSecurity({ tls: config.tls, addresses: { 'services.semantic': address }, logger });
  const services = remotePluginServices({
    config,
    logger,
    channel: {
      address,
      callTimeoutMs: config.semanticService.callTimeoutMs,
      credentials: channel.credentials,
      channelOptions: channel.channelOptions,
      messageLimits: grpcMessageLimits(config.server.bodyLimitBytes).semantic,
    },
  });
  return {
    ...services,
    close: async () => {
      await services.close();
      // The gateway's own security is the gateway's to close.
      if (channel !== security) channel.close();
    },
  };
}

type GrpcService = 'router' | 'adapters' | 'observability' | 'semantic';

/**
 * How one service's gRPC server is secured, from the `tls` section:
 * plaintext only on loopback unless `tls.allowInsecure`. Holds nothing
 * until a server uses it.
 */
function serviceSecurity(config: SwitchyardConfig, logger: Logger, service: GrpcService, address: string): GrpcServerSecurity {
  return grpcServerSecurity({
    tls: config.tls,
    address,
    addressPath: `services.${service}`,
    // The adapters hold the provider keys, the semantic service every workspace's vectors.
    alwaysRequireClientCert: service === 'adapters' || service === 'semantic',
    logger,
  });
}

/** One service's gRPC server on `address`, with its message limits; stopping it stops watching the certificates. */
async function serveGrpc(
  config: SwitchyardConfig,
  logger: Logger,
  service: GrpcService,
  address: string,
  services: GrpcServiceRegistration[],
  security = serviceSecurity(config, logger, service, address),
): Promise<RunningGrpcServer> {
  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      address,
      logger,
      services,
      credentials: security.credentials,
      messageLimits: grpcMessageLimits(config.server.bodyLimitBytes)[service],
    });
  } catch (error) {
    security.close();
    throw error;
  }
  return {
    port: server.port,
    shutdown: async (graceMs) => {
      await server.shutdown(graceMs);
      security.close();
    },
  };
}

/**
 * The records database, where the governance tables live, as the gateway
 * reaches it; none when it is not configured or its URL names a variable
 * this process was not given (keys and the admin API are then off, logged).
 */
export function governancePostgresUrl(config: SwitchyardConfig, logger: Logger): string | undefined {
  if (!config.observability.postgresUrl) return undefined;
  try {
    return resolveSecret(config.observability.postgresUrl);
  } catch (error) {
    logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'governance-database-url-unresolved');
    return undefined;
  }
}

/** The Responses API's stored responses: in the records database beside the governance tables, when there is one. */
function responseStoreOptions(config: SwitchyardConfig, client: SqlClient | undefined): Pick<GatewayServerOptions, 'responseStore'> {
  return client ? { responseStore: openingResponseStore(() => Promise.resolve(client), { retentionDays: config.observability.retentionDays }) } : {};
}

/**
 * The web dashboard on the observability service's HTTP port, calling the
 * gateway's API at `dashboard.apiOrigin`; without it, none (the page would
 * have no API to call: the gateway serves it on its own port anyway).
 */
function observabilityDashboard(config: SwitchyardConfig): DashboardHandler | undefined {
  const { apiOrigin } = config.dashboard;
  return apiOrigin ? createDashboardRoutes({ apiOrigin }) : undefined;
}
