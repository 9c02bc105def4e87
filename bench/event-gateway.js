'use strict';

/**
 * One gateway process of the publishing-cost benchmark (`publish-cost.js`):
 * the gateway server of services/gateway/dist with the local router and
 * provider adapters (function calls, as in embedded mode) and one of three
 * event publishers, chosen by `--publisher`:
 *
 * - `discard`: `DiscardingPublisher`, which keeps nothing (the baseline);
 * - `kafka`:   `KafkaEventPublisherThread` (`KafkaEventPublisher` on a
 *              thread of its own; the plain one in builds before it) against
 *              the real broker, as the distributed gateway publishes (spool
 *              in `--spool`);
 * - `kafka-inline`: `KafkaEventPublisher` on the thread that serves requests;
 * - `bus`:     `InProcessEventBus` with the PGlite event store (in memory)
 *              subscribed, as embedded mode records requests.
 *
 * Everything else is the same in the three: config, logger (pino JSON on
 * stdout, which the parent sends to a file), gateway metrics. Every
 * `publish` goes through a counter, so the parent can check that every event
 * was delivered and none dropped.
 *
 * `--topic-prefix` puts a prefix before every Kafka topic, so the benchmark
 * writes to topics of its own on the shared broker and leaves the default
 * topics alone: through the publisher's `topicPrefix` option when the built
 * publisher has one, else by prefixing the topic of every encoded event
 * (one string concatenation per event).
 *
 * IPC: sends `{ type: 'listening', port }`; answers `{ type: 'drain' }`
 * (waits until every event published so far is delivered, spooled or
 * dropped, then reports the counts) with `{ type: 'drained', ... }`.
 * Stops on SIGTERM: closes the server, then the publisher.
 */

const { parseArgs } = require('node:util');
const { setTimeout: sleep } = require('node:timers/promises');
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');

const { values: options } = parseArgs({
  options: {
    publisher: { type: 'string' },
    config: { type: 'string' },
    spool: { type: 'string' },
    'topic-prefix': { type: 'string', default: '' },
  },
});

const DRAIN_TIMEOUT_MS = 60_000;

const { createLogger, loadConfig } = require('@switchyard/shared');
const { EventPublisherMetrics, InProcessEventBus, KafkaEventPublisher, KafkaEventPublisherThread } = require('@switchyard/events');

/** Whether the built publisher takes a `topicPrefix` option of its own. */
const publisherTakesPrefix = String(KafkaEventPublisher).includes('topicPrefix');
if (options.publisher === 'kafka' && options['topic-prefix'] && !publisherTakesPrefix) {
  // The publisher calls encodeEvent through this module's exports, at call time.
  const encoding = require('@switchyard/events/dist/switchyard-event');
  const encodeEvent = encoding.encodeEvent;
  const prefix = options['topic-prefix'];
  encoding.encodeEvent = (item) => {
    const encoded = encodeEvent(item);
    encoded.topic = prefix + encoded.topic;
    return encoded;
  };
}

/**
 * With BENCH_LOOP_DELAY set: the event loop's delay (sampled every
 * millisecond) and the garbage collector's pauses, reported and reset at
 * each drain. Off by default: the sampling timer is load of its own.
 */
let loopDelay;
let gcPauses = [];
if (process.env.BENCH_LOOP_DELAY) {
  loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  }).observe({ entryTypes: ['gc'] });
}

function takeLoopFigures() {
  if (!loopDelay) return undefined;
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
}
const { LocalObservabilityService, openEventDatabase } = require('@switchyard/observability');
const { LocalProviderAdapterService } = require('@switchyard/provider-adapters');
const { LocalRouterService } = require('@switchyard/router');
const { startGatewayServer } = require('@switchyard/gateway/dist/gateway-server');
const { GatewayMetrics } = require('@switchyard/gateway/dist/http/gateway-metrics');
const { DiscardingPublisher } = require('./discarding-publisher');

/** Answers the query API when no database is behind the gateway; the benchmark never calls it. */
const noQueries = {
  listRequests: async () => ({ requests: [], nextCursor: '' }),
  getRequest: async () => undefined,
  usage: async () => [],
};

/** Sum of a counter's values in the registry, optionally only the samples with `labels`. */
async function counterValue(registry, name, labels = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  if (!metric) return 0;
  return metric.values
    .filter((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

async function main() {
  const { config } = loadConfig(options.config);
  const logger = createLogger(`gateway-${options.publisher}`);
  const metrics = new GatewayMetrics();
  let publisher;
  let database;
  let observability = noQueries;
  if (options.publisher === 'discard') {
    publisher = new DiscardingPublisher();
  } else if (options.publisher === 'kafka' || options.publisher === 'kafka-inline') {
    // `kafka` as the distributed gateway publishes: on the publisher's own thread (when the build has it).
    const Publisher = options.publisher === 'kafka' && KafkaEventPublisherThread ? KafkaEventPublisherThread : KafkaEventPublisher;
    publisher = await Publisher.start({
      brokers: config.events.kafka.brokers,
      clientId: 'switchyard-bench-gateway',
      ...(publisherTakesPrefix ? { topicPrefix: options['topic-prefix'] } : {}),
      spoolDirectory: options.spool,
      spoolMaxBytes: config.events.spoolMaxBytes,
      queueCapacity: config.events.queueCapacity,
      lingerMs: config.events.lingerMs,
      logger,
      metrics: new EventPublisherMetrics(metrics.registry),
    });
  } else if (options.publisher === 'bus') {
    database = await openEventDatabase({ pgliteDataDir: 'memory://' });
    publisher = new InProcessEventBus({
      queueCapacity: config.events.queueCapacity,
      lingerMs: config.events.lingerMs,
      logger,
      metrics: new EventPublisherMetrics(metrics.registry),
    });
    publisher.subscribe(database.store);
    observability = new LocalObservabilityService(database.client);
  } else {
    throw new Error(`unknown --publisher ${options.publisher}: discard, kafka, kafka-inline or bus`);
  }

  let accepted = 0;
  const counted = {
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
  async function drain() {
    const started = Date.now();
    const target = accepted;
    const settled = async () => {
      if (options.publisher === 'discard') return target;
      const published = await counterValue(metrics.registry, 'switchyard_events_published_total');
      const spooled = await counterValue(metrics.registry, 'switchyard_events_spooled_total');
      const dropped = await counterValue(metrics.registry, 'switchyard_events_dropped_total');
      return published + spooled + dropped;
    };
    if (options.publisher === 'bus') await publisher.flush();
    while ((await settled()) < target && Date.now() - started < DRAIN_TIMEOUT_MS) await sleep(50);
    const report = {
      type: 'drained',
      accepted: target,
      drainMs: Date.now() - started,
      published: options.publisher === 'discard' ? 0 : await counterValue(metrics.registry, 'switchyard_events_published_total'),
      spooled: await counterValue(metrics.registry, 'switchyard_events_spooled_total'),
      replayed: await counterValue(metrics.registry, 'switchyard_events_replayed_total'),
      dropped: await counterValue(metrics.registry, 'switchyard_events_dropped_total'),
      loop: takeLoopFigures(),
    };
    if (database) {
      const [row] = await database.client.query('SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM costs) AS events');
      report.rows = Number(row.events);
    }
    return report;
  }

  process.on('message', (message) => {
    if (message?.type === 'drain') {
      drain().then(
        (report) => process.send(report),
        (error) => process.send({ type: 'drained', error: error.stack ?? String(error) }),
      );
    }
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.close(2_000);
    await adapters.close();
    await counted.close();
    if (database) await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => {
    stop().catch((error) => {
      process.stderr.write(`event-gateway: ${error.stack ?? error}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  logger.info({ url: gateway.url, publisher: options.publisher }, 'gateway-listening');
  process.send({ type: 'listening', port: gateway.port });
}

main().catch((error) => {
  process.stderr.write(`event-gateway: ${error.stack ?? error}\n`);
  process.exit(1);
});
