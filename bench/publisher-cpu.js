'use strict';

/**
 * CPU per event of the gateway's Kafka publishers, on the thread that serves
 * requests and in the whole process, against the broker of
 * `scripts/services.sh`. Events like the gateway's (a RequestCompleted and a
 * CostRecorded per request) are published at a steady rate from a 1 ms
 * timer, as requests would publish them, for each of:
 *
 * - `encode`: `encodeEvent` only, nothing sent (the baseline);
 * - `inline`: `KafkaEventPublisher`, on the serving thread;
 * - `thread`: `KafkaEventPublisherThread`, the producer on a thread of its own.
 *
 * Each runs in a process of its own, to topics of the run's own (deleted at
 * the end), with `lingerMs` 50.
 *
 *   node bench/publisher-cpu.js [--rate 4000] [--seconds 8]
 *
 * Prints µs of CPU per event: the serving (main) thread, from
 * /proc/<pid>/task/<pid>/stat, and the whole process (every thread).
 */

const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { cpuSeconds } = require('./child-processes');

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '4000' },
    seconds: { type: 'string', default: '8' },
    child: { type: 'string' },
    prefix: { type: 'string' },
  },
});
const PUBLISHERS = ['encode', 'inline', 'thread'];

async function child(which, rate, seconds, topicPrefix) {
  const { KafkaEventPublisher, KafkaEventPublisherThread, encodeEvent } = require('@switchyard/events');
  const { createLogger } = require('@switchyard/shared');
  const { KAFKA_BROKERS } = require('./kafka-topics');
  const { sampleEvent } = require('./sample-events');

  const events = Array.from({ length: 2_000 }, (_, index) => sampleEvent(index));
  const logger = createLogger('publisher-cpu');
  logger.level = 'warn';
  const spoolDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-publisher-cpu-'));
  const options = { brokers: KAFKA_BROKERS, spoolDirectory, lingerMs: 50, logger, topicPrefix };
  const publisher =
    which === 'inline'
      ? await KafkaEventPublisher.start(options)
      : which === 'thread'
        ? await KafkaEventPublisherThread.start(options)
        : { publish: (item) => encodeEvent(item), close: async () => {} };
  // Warm-up: the connection, the topics and the JIT.
  for (let index = 0; index < 2_000; index++) publisher.publish(events[index]);
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  const mainBefore = cpuSeconds(process.pid, process.pid);
  const processBefore = process.cpuUsage();
  let published = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (published < due) publisher.publish(events[published++ % events.length]);
      if (performance.now() - started < seconds * 1000) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  // Long enough for the last batch to be sent and acknowledged.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const processUsed = process.cpuUsage(processBefore);
  const mainMicros = ((cpuSeconds(process.pid, process.pid) - mainBefore) * 1e6) / published;
  const processMicros = (processUsed.user + processUsed.system) / published;
  await publisher.close();
  fs.rmSync(spoolDirectory, { recursive: true, force: true });
  // The IPC channel would keep this process alive: leave once the figures are sent.
  process.send({ which, published, mainMicros, processMicros }, () => process.exit(0));
}

async function main() {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  if (values.child) return child(values.child, rate, seconds, values.prefix);

  const { ensureTopics, ALL_TOPICS } = require('@switchyard/events');
  const { KAFKA_BROKERS, deleteTopics } = require('./kafka-topics');
  const prefix = `bench-publisher-cpu-${Date.now()}.`;
  const topics = ALL_TOPICS.map((topic) => prefix + topic);
  await ensureTopics(KAFKA_BROKERS, topics, { numPartitions: 3, replicationFactor: 1 });
  console.log(`${rate.toLocaleString('en-US')} events/s for ${seconds} s, lingerMs 50, to ${KAFKA_BROKERS.join(',')}\n`);
  console.log('| publisher | events | µs CPU / event, serving thread | µs CPU / event, whole process |\n| --- | ---: | ---: | ---: |');
  try {
    for (const which of PUBLISHERS) {
      const measured = fork(__filename, ['--child', which, '--rate', String(rate), '--seconds', String(seconds), '--prefix', prefix]);
      const result = await new Promise((resolve, reject) => {
        let figures;
        measured.once('message', (message) => (figures = message));
        measured.once('exit', (code) => (figures ? resolve(figures) : reject(new Error(`${which}: exited with ${code} before reporting`))));
      });
      console.log(`| ${result.which} | ${result.published.toLocaleString('en-US')} | ${result.mainMicros.toFixed(1)} | ${result.processMicros.toFixed(1)} |`);
    }
  } finally {
    await deleteTopics(prefix);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
