/**
 * One gateway process of the `publish` scenario: the gateway server of
 * @switchyard/gateway with the local router and provider adapters
 * (function calls, as in embedded mode) and one of these event publishers,
 * chosen by `--publisher`:
 *
 * - `discard`: a publisher that keeps nothing (the baseline). The gateway
 *              still builds and prices each request's events, as it always
 *              does; only publishing is left out;
 * - `kafka`:   `KafkaEventPublisherThread` against the real broker, as the
 *              distributed gateway publishes (spool in `--spool`);
 * - `kafka-inline`: `KafkaEventPublisher` on the thread that serves requests
 *              (for comparisons by hand);
 * - `bus`:     `InProcessEventBus` with the PGlite event store (in memory)
 *              subscribed, as embedded mode records requests.
 *
 * Everything else is the same: config, logger (pino JSON on stdout, which the
 * parent sends to a file), gateway metrics. Every `publish` goes through a
 * counter, so the parent can check that every event was delivered and none
 * dropped. `--topic-prefix` puts a prefix before every Kafka topic, so the
 * scenario writes to topics of its own on the shared broker.
 *
 * IPC: sends `{ type: 'listening', port }`; answers `{ type: 'drain' }`
 * (waits until every event published so far is delivered, spooled or
 * dropped, then reports the counts) with a `DrainedMessage`. Stops on
 * SIGTERM: closes the server, then the publisher.
 */

import { PerformanceObserver, type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type EventPublisher, EventPublisherMetrics, InProcessEventBus, KafkaEventPublisher, KafkaEventPublisherThread } from '@switchyard/events';
import { GatewayMetrics, startGatewayServer, type GatewayServerOptions } from '@switchyard/gateway';
import { type EventDatabase, LocalObservabilityService, openEventDatabase } from '@switchyard/observability';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { createLogger, loadConfig } from '@switchyard/shared';
import type { Registry } from 'prom-client';

export type PublisherName = 'discard' | 'kafka' | 'kafka-inline' | 'bus';

/** With BENCH_LOOP_DELAY set: the event loop's delay and GC pauses since the last drain. */
export interface LoopFigures {
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcPauses: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

export interface DrainedMessage {
  type: 'drained';
  /** Events the gateway published since it started. */
  accepted: number;
  drainMs: number;
  published: number;
  spooled: number;
  replayed: number;
  dropped: number;
  loop?: LoopFigures;
  /** bus: rows in PGlite (requests + costs). */
  rows?: number;
  error?: string;
}

const DRAIN_TIMEOUT_MS = 60_000;

/** Answers the query API when no database is behind the gateway; the scenario never calls it. */
const noQueries: GatewayServerOptions['observability'] = {
  listRequests: async () => ({ requests: [], nextCursor: '' }),
  getRequest: async () => undefined,
  usage: async () => [],
  deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
  getTrace: async () => undefined,
  listTraces: async () => ({ traces: [] }),
};

/** Sum of a counter's values in the registry. */
async function counterValue(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  if (!metric) return 0;
  return (metric.values as { value: number }[]).reduce((sum, sample) => sum + sample.value, 0);
}

/** Off by default: the 1 ms sampling timer is load of its own. */
function loopMonitor(): () => LoopFigures | undefined {
  if (!process.env.BENCH_LOOP_DELAY) return () => undefined;
  const loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  let gcPauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  }).observe({ entryTypes: ['gc'] });
  return () => {
    const figures = {
      delayP50Ms: loopDelay.percentile(50) / 1e6,
      delayP99Ms: loopDelay.percentile(99) / 1e6,
      delayMaxMs: loopDelay.max / 1e6,
      gcPauses: gcPauses.length,
      gcTotalMs: gcPauses.reduce((sum, pause) => sum + pause, 0),
      gcMaxMs: Math.max(0, ...gcPauses),
    };
    loopDelay.reset();
    gcPauses = [];
    return figures;
  };
}

async function main(): Promise<void> {
  const { values: options } = parseArgs({
    options: {
      publisher: { type: 'string' },
      config: { type: 'string' },
      spool: { type: 'string' },
      'topic-prefix': { type: 'string', default: '' },
    },
  });
  const publisherName = options.publisher as PublisherName;
  const takeLoopFigures = loopMonitor();
  const { config } = loadConfig(options.config);
  const logger = createLogger(`gateway-${publisherName}`);
  const metrics = new GatewayMetrics();
  let publisher: EventPublisher;
  let bus: InProcessEventBus | undefined;
  let database: EventDatabase | undefined;
  let observability = noQueries;
  if (publisherName === 'discard') {
    publisher = { publish() {}, close: async () => {} };
  } else if (publisherName === 'kafka' || publisherName === 'kafka-inline') {
    const brokers = config.events.kafka?.brokers;
    if (!brokers) throw new Error(`${options.config} names no Kafka brokers (events.kafka.brokers)`);
    const publisherOptions = {
      brokers,
      clientId: 'switchyard-bench-gateway',
      topicPrefix: options['topic-prefix'],
      spoolDirectory: options.spool ?? '',
      spoolMaxBytes: config.events.spoolMaxBytes,
      queueCapacity: config.events.queueCapacity,
      lingerMs: config.events.lingerMs,
      logger,
      metrics: new EventPublisherMetrics(metrics.registry),
    };
    publisher =
      publisherName === 'kafka' ? await KafkaEventPublisherThread.start(publisherOptions) : await KafkaEventPublisher.start(publisherOptions);
  } else if (publisherName === 'bus') {
    database = await openEventDatabase({ pgliteDataDir: 'memory://' });
    bus = new InProcessEventBus({
      queueCapacity: config.events.queueCapacity,
      lingerMs: config.events.lingerMs,
      logger,
      metrics: new EventPublisherMetrics(metrics.registry),
    });
    bus.subscribe(database.store);
    publisher = bus;
    observability = new LocalObservabilityService(database.client);
  } else {
    throw new Error(`unknown --publisher ${options.publisher}: discard, kafka, kafka-inline or bus`);
  }

  let accepted = 0;
  const counted: EventPublisher = {
    publish(event) {
      accepted++;
      publisher.publish(event);
    },
    close: () => publisher.close(),
  };

  const router = new LocalRouterService(config);
  const adapters = new LocalProviderAdapterService(config);
  const gateway = await startGatewayServer({ config, router, adapters, events: counted, observability, logger, metrics });

  /** Waits until every event published so far is accounted for, then reports. */
  async function drain(): Promise<DrainedMessage> {
    const started = Date.now();
    const target = accepted;
    const counter = (name: string): Promise<number> => counterValue(metrics.registry, `switchyard_events_${name}_total`);
    const settled = async (): Promise<number> => {
      if (publisherName === 'discard') return target;
      return (await counter('published')) + (await counter('spooled')) + (await counter('dropped'));
    };
    if (bus) await bus.flush();
    while ((await settled()) < target && Date.now() - started < DRAIN_TIMEOUT_MS) await sleep(50);
    const report: DrainedMessage = {
      type: 'drained',
      accepted: target,
      drainMs: Date.now() - started,
      published: publisherName === 'discard' ? 0 : await counter('published'),
      spooled: await counter('spooled'),
      replayed: await counter('replayed'),
      dropped: await counter('dropped'),
      loop: takeLoopFigures(),
    };
    if (database) {
      const [row] = await database.client.query<{ events: string | number }>(
        'SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM costs) AS events',
      );
      report.rows = Number(row.events);
    }
    return report;
  }

  process.on('message', (message: { type?: string }) => {
    if (message?.type !== 'drain') return;
    drain().then(
      (report) => process.send?.(report),
      (error: unknown) => process.send?.({ type: 'drained', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await gateway.close(2_000);
    await adapters.close();
    await counted.close();
    if (database) await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => {
    stop().catch((error: unknown) => {
      process.stderr.write(`event-gateway: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  logger.info({ url: gateway.url, publisher: publisherName }, 'gateway-listening');
  process.send?.({ type: 'listening', port: gateway.port });
}

main().catch((error: unknown) => {
  process.stderr.write(`event-gateway: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
