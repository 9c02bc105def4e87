/**
 * The entry point of the Kafka publisher's own thread (see
 * `KafkaEventPublisherThread`): a `KafkaEventPublisher` whose logs and
 * metrics are posted to the parent thread, fed with the events the parent
 * posts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { KafkaEventPublisher } from '../kafka-event-publisher';
import type { DropReason, PublisherMetrics } from '../publisher-metrics';
import { unpackEvents } from './handoff';
import { emptyReport, type FromPublisherThread, type MetricsReport, type PublisherThreadData, type ToPublisherThread } from './thread-protocol';

/**
 * How long metric updates are gathered before they are posted in one report.
 * Each report wakes the request-serving thread; once a second keeps that rare
 * while staying well inside any Prometheus scrape interval.
 */
const REPORT_INTERVAL_MS = 1_000;

if (!parentPort) throw new Error('kafka-publisher-worker runs as a worker thread of KafkaEventPublisherThread.');
const port = parentPort;
const send = (message: FromPublisherThread) => port.postMessage(message);

/** Gathers metric updates into one report per interval. */
class ReportingMetrics implements PublisherMetrics {
  private report: MetricsReport = emptyReport();
  private timer: NodeJS.Timeout | undefined;

  published(topic: string, count: number): void {
    this.report.published[topic] = (this.report.published[topic] ?? 0) + count;
    this.schedule();
  }
  spooled(count: number): void {
    this.report.spooled += count;
    this.schedule();
  }
  replayed(count: number): void {
    this.report.replayed += count;
    this.schedule();
  }
  dropped(reason: DropReason, count: number): void {
    this.report.dropped[reason] = (this.report.dropped[reason] ?? 0) + count;
    this.schedule();
  }
  deadLettered(reason: string, sink: string, count: number): void {
    const key = `${reason} ${sink}`;
    this.report.deadLettered[key] = (this.report.deadLettered[key] ?? 0) + count;
    this.schedule();
  }
  queueDepth(events: number): void {
    this.report.queueDepth = events;
    this.schedule();
  }
  spoolBytes(bytes: number): void {
    this.report.spoolBytes = bytes;
    this.schedule();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const report = this.report;
    this.report = emptyReport();
    send({ type: 'metrics', report });
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), REPORT_INTERVAL_MS);
  }
}

async function main(): Promise<void> {
  const { options, logLevel, taken } = workerData as PublisherThreadData;
  // Every line goes to the parent, which writes it with its own logger.
  const logger = pino({ level: logLevel, base: undefined }, { write: (line: string) => send({ type: 'log', line }) });
  const metrics = new ReportingMetrics();
  let publisher: KafkaEventPublisher;
  try {
    publisher = await KafkaEventPublisher.start({ ...options, logger, metrics });
  } catch (error) {
    send({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (message: ToPublisherThread) => {
    switch (message.type) {
      case 'events': {
        let events;
        try {
          events = unpackEvents(message.bytes);
        } catch (error) {
          // Only a bug can get here: the bytes were framed by this package on the other thread.
          logger.error({ err: error, events: message.count }, 'event-handoff-unreadable');
          metrics.dropped('invalid_event', message.count);
          Atomics.add(taken, 0, BigInt(message.count));
          break;
        }
        for (const event of events) publisher.publishEncoded(event);
        Atomics.add(taken, 0, BigInt(message.count));
        break;
      }
      case 'close':
        void publisher.close().finally(() => {
          metrics.flush();
          send({ type: 'closed' });
          port.close();
        });
        break;
    }
  });
  send({ type: 'started' });
}

void main();
