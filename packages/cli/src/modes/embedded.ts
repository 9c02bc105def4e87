import type { SqlClient } from '@switchyard/database';
import { EventPublisherMetrics, InProcessEventBus, type EventSink } from '@switchyard/events';
import { authenticationRequired, type Logger, type SwitchyardConfig } from '@switchyard/shared';
import { InfluxEventWriter, openEventDatabase, RetentionJob } from '@switchyard/observability';
import { catalogModelFacts, startResilienceGate, withBreakerState, type ResilienceGate } from '@switchyard/provider-adapters';
import { StatisticsTracker } from '@switchyard/router';
import {
  GatewayMetrics,
  LiveTailHub,
  openingResponseStore,
  startGatewayServer,
  type GatewayServer,
  type GatewayServerOptions,
} from '@switchyard/gateway';
import { openGovernanceGate, StoredLimitRules } from '@switchyard/auth';
import { builtInPluginFactories, lazyPluginServices, localServiceMakers } from '@switchyard/semantic';
import { applyConfigTarget, ReloadableAdapterService, ReloadableRouterService, type ConfigReloadTarget } from '../config-reload';
import { startAlerting } from './alerting';
import { eventDatabaseOptions, influxOptions } from './event-destinations';
import { startGovernance } from './governance';
import { OpeningEventDatabase } from './opening-event-database';
import { conversationRoutesOptions } from './edge-conversations';
import { wireEdgeIngest } from './edge-ingest';
import { coldStorageOf } from './cold-storage';

export interface EmbeddedGateway extends GatewayServer {
  /**
   * Resolves when the records database is open (traffic is served before
   * that); rejects, with the reason, when it cannot be opened. Records in
   * memory (`memory://`) open at first need: reading this opens them.
   */
  readonly recordsReady: Promise<void>;
  /** Settles as `recordsReady` does, without opening records that open at first need. */
  readonly recordsOpened: Promise<void>;
  /** Resolves when every event published so far has been written. */
  flushEvents(): Promise<void>;
  /** What takes up a reloaded config (`startConfigReload`): the adapters' providers, the router's routes, the gateway's prices. */
  reloadTargets: readonly ConfigReloadTarget[];
}

/** What a caller may set beyond the config: the address, and authentication (the CLI passes SWITCHYARD_ADMIN_TOKEN). */
export type GatewayOverrides = Pick<GatewayServerOptions, 'port' | 'host' | 'adminToken' | 'keyVerifier' | 'tokenVerifier' | 'audit'>;

/**
 * Gateway, router, provider adapters and the event consumers in one
 * process: the gateway holds the service implementations themselves, so a
 * call is a function call, and events go over an in-process bus to the
 * embedded database (or Postgres, when configured) and InfluxDB (when
 * configured).
 */
export async function startEmbedded(config: SwitchyardConfig, logger: Logger, overrides: GatewayOverrides = {}): Promise<EmbeddedGateway> {
  // Records older than observability.coldStorage.afterDays move to object storage and are read back from
  // there; its config is checked before anything starts.
  const coldStorage = coldStorageOf(config);
  // What strategies know of each deployment: fed from every request's report; breaker state from the gate below.
  const statistics = new StatisticsTracker();
  const breakers: { gate?: ResilienceGate } = {};
  // The router checks the route trees: a config error is reported before anything starts.
  const router = new ReloadableRouterService(config, {
    modelFacts: catalogModelFacts(),
    statistics: withBreakerState(statistics, { breakerOpen: (deploymentId) => breakers.gate?.breakerOpen(deploymentId) ?? false }),
  });
  const metrics = new GatewayMetrics();
  // Rate limits and budgets (the config's, and those stored through the admin API once its tables open);
  // budgets count the costs this process records.
  const storedLimits = new StoredLimitRules();
  const governance = await openGovernanceGate(config.governance, { logger, registry: metrics.registry, storedRules: storedLimits });
  // Records in memory start empty: they open when first written or read, so an idle process holds no database.
  const inMemory = !config.observability.postgresUrl && config.observability.dataDirectory === 'memory://';
  const openDatabase = () => openEventDatabase(eventDatabaseOptions(config));
  const database = new OpeningEventDatabase(inMemory ? openDatabase : openDatabase(), {
    ...config.observability.queries,
    coldStorage: coldStorage?.reader,
  });
  const sinks: EventSink[] = [database];
  const influx = influxOptions(config);
  if (influx) sinks.push(new InfluxEventWriter(influx));
  if (governance?.spendSink) sinks.push(governance.spendSink);
  const events = new InProcessEventBus({
    queueCapacity: config.events.queueCapacity,
    lingerMs: config.events.lingerMs,
    // Events a store refuses for their content are kept in the dead_letters table.
    deadLetters: database,
    logger,
    metrics: new EventPublisherMetrics(metrics.registry),
  });
  for (const sink of sinks) events.subscribe(sink);
  const liveTail = liveTailOnBus(events);

  const adapters = new ReloadableAdapterService(config, { logger });
  // A request runs on the providers of the config it was routed with, even when a reload swaps them meanwhile.
  router.onPlan((plan) => adapters.pin(plan));
  // Providers configured without `models` are asked for their lists; the router serves each new list as it
  // comes, so a model no provider lists is a 404 before any upstream call (until a list is known: any model).
  adapters.onDiscoveredModels((models) => router.applyDiscoveredModels(models));
  // Circuit breakers (shared through Redis with `governance.redisUrl`) and key cool-downs, for the plan executor.
  const resilience = await startResilienceGate(config, { keyPools: () => adapters.keyPools, registry: metrics.registry, logger });
  breakers.gate = resilience.gate;
  void adapters.startModelDiscovery();
  // Keys, the admin API and the audit trail keep their tables in the records database.
  const governanceTables = startGovernance({
    config,
    logger,
    client: () => database.client,
    mode: 'embedded',
    adminToken: overrides.adminToken,
    authenticationRequired: authenticationRequired(config, overrides.adminToken),
    storedLimits,
  });
  // Made when a plugin first asks: a config with no semantic plugin loads no model and opens no store.
  const pluginServices = lazyPluginServices(config, logger, localServiceMakers);
  // Omi's /v4/listen, /v4/web/listen and /v1/sync-local-files on the gateway's port.
  const edge = wireEdgeIngest(config, logger, { client: () => database.client, publisher: events, registry: metrics.registry });
  let gateway: GatewayServer;
  try {
    gateway = await startGatewayServer({
      config,
      router,
      adapters,
      attemptGate: resilience.gate,
      observeReport: (report) => statistics.record(report),
      inFlight: statistics,
      logger,
      metrics,
      events,
      observability: database,
      liveTail,
      governance: governance?.gate,
      plugins: { factories: builtInPluginFactories, services: pluginServices, bindEmbeddings: (run) => pluginServices.bindEmbeddings?.(run) },
      ...governanceTables.gatewayOptions,
      ...responseStoreOptions(config, () => database.client),
      ...conversationRoutesOptions(() => database.client),
      ...edge.gatewayOptions,
      ...overrides,
    });
    edge.listening(gateway.url);
  } catch (error) {
    await edge.close();
    await pluginServices.close();
    await adapters.close();
    await resilience.close();
    await events.close();
    await governanceTables.close();
    await database.close();
    await governance?.close();
    throw error;
  }
  const alerting = startAlerting(config, logger, database.client, metrics.registry);
  const { retentionDays } = config.observability;
  // Nothing to purge before the records are open, and the job must not open records that open at first need.
  let retention: RetentionJob | undefined;
  let closed = false;
  database.whenOpen.then(
    () => {
      if (closed || retentionDays === undefined) return;
      retention = new RetentionJob(database.client, {
        retentionDays,
        logger,
        onPurged: (purged, before) => governanceTables.recordPurge(purged, before),
      });
      retention.start();
    },
    () => undefined,
  );
  database.whenOpen.then(
    () => {
      if (!closed) coldStorage?.startExports(database.client, logger);
    },
    () => undefined,
  );
  return {
    ...gateway,
    get recordsReady() {
      return database.ready;
    },
    recordsOpened: database.whenOpen,
    flushEvents: () => events.flush(),
    // The gateway's step cannot fail (prices and model details): it goes last.
    reloadTargets: [adapters, router, applyConfigTarget('gateway', ['providers'], gateway)],
    close: async (graceMs) => {
      closed = true;
      await alerting?.stop();
      await retention?.stop();
      await coldStorage?.close();
      await gateway.close(graceMs);
      await edge.close();
      await pluginServices.close();
      await adapters.close();
      await resilience.close();
      // Requests are over: what they published is written before the database closes.
      await events.close();
      await governanceTables.close();
      await database.close();
      await governance?.close();
    },
  };
}

/** The Responses API's stored responses live in the records database, their tables opened at first use. */
function responseStoreOptions(config: SwitchyardConfig, client: () => Promise<SqlClient>): Pick<GatewayServerOptions, 'responseStore'> {
  return { responseStore: openingResponseStore(client, { retentionDays: config.observability.retentionDays }) };
}

/** The live tail (`/v1/requests/live`) as one more sink of the bus: a request shows as the bus delivers it to the stores. */
function liveTailOnBus(events: InProcessEventBus): LiveTailHub {
  const liveTail = new LiveTailHub();
  events.subscribe(liveTail);
  return liveTail;
}
