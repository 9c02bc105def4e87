'use strict';

/**
 * CPU per event of the two Node Kafka producers against the broker of
 * `scripts/services.sh`: kafkajs 2.2.4 (`sendBatch`) and @platformatic/kafka
 * (`send`), both idempotent, acks from all in-sync replicas, with and
 * without GZIP. Each sends the same messages (a ~40-byte key, a 390-byte
 * value, the event-type header) in batches of 150, one batch at a time, to a
 * topic of its own with 3 partitions, deleted at the end.
 *
 *   node bench/kafka-producer-cost.js [--events 60000]
 *
 * Prints µs of this process's CPU (user + system) and of wall time per event.
 */

const { parseArgs } = require('node:util');
const { Kafka, CompressionTypes, Partitioners, logLevel } = require('kafkajs');
const platformatic = require('@platformatic/kafka');
const { KAFKA_BROKERS, deleteTopics } = require('./kafka-topics');

const { values } = parseArgs({ options: { events: { type: 'string', default: '60000' } } });
const EVENTS = Number(values.events);
const BATCH = 150;
const WARMUP_BATCHES = 20;
const topic = `bench-producer-${Date.now()}-${process.pid}`;
const value = Buffer.alloc(390, 7);

function batch(index) {
  return Array.from({ length: BATCH }, (_, offset) => ({
    key: `default:chatcmpl-${index}-${offset}`,
    value,
    headers: { 'switchyard-event-type': 'switchyard.events.v1.RequestCompleted' },
  }));
}

async function measure(name, send) {
  for (let index = 0; index < WARMUP_BATCHES; index++) await send(batch(index));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < EVENTS / BATCH; index++) await send(batch(index));
  const used = process.cpuUsage(cpu);
  const cpuMicros = (used.user + used.system) / EVENTS;
  const wallMicros = ((performance.now() - started) * 1000) / EVENTS;
  console.log(`| ${name} | ${cpuMicros.toFixed(1)} | ${wallMicros.toFixed(1)} |`);
}

async function main() {
  const kafka = new Kafka({ clientId: 'switchyard-bench-producer-cost', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  console.log(`${EVENTS.toLocaleString('en-US')} events in batches of ${BATCH} to ${KAFKA_BROKERS.join(',')}\n`);
  console.log('| producer | µs CPU / event | µs wall / event |\n| --- | ---: | ---: |');
  try {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const [label, compression] of [['gzip', CompressionTypes.GZIP], ['none', CompressionTypes.None]]) {
      await measure(`kafkajs 2.2.4, ${label}`, (messages) => producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1, compression }));
    }
    await producer.disconnect();
    for (const compression of ['gzip', 'none']) {
      const producer = new platformatic.Producer({
        clientId: 'switchyard-bench-producer-cost',
        bootstrapBrokers: KAFKA_BROKERS,
        idempotent: true,
        acks: platformatic.ProduceAcks.ALL,
        compression,
        partitioner: platformatic.compatibilityPartitioner,
        serializers: { key: platformatic.stringSerializer, headerKey: platformatic.stringSerializer, headerValue: platformatic.stringSerializer },
      });
      await measure(`@platformatic/kafka, ${compression}`, (messages) => producer.send({ messages: messages.map((message) => ({ topic, ...message })) }));
      await producer.close();
    }
  } finally {
    await deleteTopics(topic);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
