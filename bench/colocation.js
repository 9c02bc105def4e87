'use strict';

/**
 * What Kafka publishing on the same machine does to the gateway's latency at
 * one connection, wherever the publishing runs. Three turns, taking turns in
 * every round (order rotated), each `--requests` sequential chat completions:
 *
 * - `alone`:    the gateway with events discarded (`event-gateway.js
 *               --publisher discard`), nothing else publishing;
 * - `external`: the same gateway process, while another process publishes
 *               the events the gateway would have published (two per request,
 *               at the request rate of the last `alone` turn) with
 *               `KafkaEventPublisherThread` to the same broker;
 * - `gateway`:  a gateway publishing its own events with
 *               `KafkaEventPublisherThread` (`--publisher kafka`).
 *
 * `external` moves no work into the gateway process, so its change against
 * `alone` is what the publishing costs the gateway only by sharing the
 * machine's CPUs (with the broker too). Compare it with `gateway`.
 *
 *   node bench/colocation.js [--rounds 40] [--requests 500]
 *
 * Prints a markdown table. Needs the broker of `scripts/services.sh`; topics
 * of the run's own, deleted at the end. A diagnostic: it does not write
 * bench/RESULTS.md.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Client } = require('undici');
const { CHAT_COMPLETIONS_PATH, chatRequestBody } = require('./fixtures');
const { forkScript, nextMessage, stopChild, cpuSeconds } = require('./child-processes');
const { summarizeLatencies } = require('./latency-summary');
const { sendRequest } = require('./send-request');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    requests: { type: 'string', default: '500' },
    'external-publisher': { type: 'boolean', default: false },
    prefix: { type: 'string' },
  },
});

const TURNS = ['alone', 'external', 'gateway'];
const WARMUP_REQUESTS = 300;
/** Pause between turns, so a publisher's last batch is not sent during the next turn. */
const PAUSE_MS = 300;
/** Time the external publisher gets to reach its rate before a turn is measured. */
const EXTERNAL_RAMP_MS = 200;

/**
 * The external publisher (this file with `--external-publisher`): publishes
 * sample events at the rate it is sent (`{ type: 'rate', perSecond }`; 0 stops),
 * from a 5 ms timer.
 */
async function externalPublisher(topicPrefix) {
  const { KafkaEventPublisherThread } = require('@switchyard/events');
  const { createLogger } = require('@switchyard/shared');
  const { KAFKA_BROKERS } = require('./kafka-topics');
  const { sampleEvent } = require('./sample-events');
  const logger = createLogger('colocation-publisher');
  logger.level = 'warn';
  const spoolDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-colocation-'));
  const publisher = await KafkaEventPublisherThread.start({ brokers: KAFKA_BROKERS, spoolDirectory, lingerMs: 50, logger, topicPrefix });
  let perSecond = 0;
  let since = 0;
  let published = 0;
  let next = 0;
  let timer;
  const tick = () => {
    if (perSecond > 0) {
      const due = Math.floor(((performance.now() - since) / 1000) * perSecond);
      for (; published < due; published++) publisher.publish(sampleEvent(next++));
    }
    timer = setTimeout(tick, 5);
  };
  tick();
  process.on('message', async (message) => {
    if (message.type === 'rate') {
      perSecond = message.perSecond;
      since = performance.now();
      published = 0;
    } else if (message.type === 'stop') {
      clearTimeout(timer);
      await publisher.close();
      fs.rmSync(spoolDirectory, { recursive: true, force: true });
      process.send({ type: 'stopped', events: next }, () => process.exit(0));
    }
  });
  process.send({ type: 'ready' });
}

async function main() {
  if (values['external-publisher']) return externalPublisher(values.prefix);
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const { deleteTopics } = require('./kafka-topics');
  const { startEventGateway, createTopics, kafkaBrokerPid } = require('./publish-cost');

  const outputDirectory = path.join(__dirname, 'out');
  fs.mkdirSync(outputDirectory, { recursive: true });
  const topicPrefix = `bench-colocation-${Date.now()}-${process.pid}.`;
  await createTopics(topicPrefix);
  const children = [];
  const clients = [];
  try {
    const mock = forkScript(path.join(__dirname, 'mock-upstream.js'));
    children.push(mock);
    const { port } = await nextMessage(mock, 'listening');
    const common = { upstreamBaseUrl: `http://127.0.0.1:${port}/v1`, outputDirectory, logLevel: 'info', topicPrefix, repetition: 'colocation' };
    const spool = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-colocation-${name}-`));
    const discarding = await startEventGateway('discard', { ...common, spoolDirectory: spool('discard') });
    children.push(discarding.child);
    const publishing = await startEventGateway('kafka', { ...common, spoolDirectory: spool('kafka') });
    children.push(publishing.child);
    const external = forkScript(__filename, ['--external-publisher', '--prefix', topicPrefix]);
    children.push(external);
    await nextMessage(external, 'ready', 60_000);

    const clientOf = (gateway) => {
      const client = new Client(gateway.origin);
      clients.push(client);
      return client;
    };
    const targets = { alone: clientOf(discarding), external: clientOf(discarding), gateway: clientOf(publishing) };
    const request = { path: CHAT_COMPLETIONS_PATH, headers: { 'content-type': 'application/json' }, body: Buffer.from(chatRequestBody({ stream: false })) };
    const brokerPid = kafkaBrokerPid();
    const latencies = Object.fromEntries(TURNS.map((turn) => [turn, []]));
    const cpu = Object.fromEntries(TURNS.map((turn) => [turn, { seconds: 0, gateway: 0, external: 0, broker: 0 }]));
    let requestsPerSecond = 1_000;

    const run = async (turn, count, record) => {
      const client = targets[turn];
      const gatewayPid = (turn === 'gateway' ? publishing : discarding).child.pid;
      const before = { at: performance.now(), gateway: cpuSeconds(gatewayPid), external: cpuSeconds(external.pid), broker: brokerPid ? cpuSeconds(brokerPid) : NaN };
      for (let index = 0; index < count; index++) {
        const outcome = await sendRequest(client, request);
        if (!outcome.ok) throw new Error(`${turn}: ${outcome.status} ${outcome.problem ?? ''}`);
        if (record) latencies[turn].push(outcome.finishedAt - outcome.startedAt);
      }
      const seconds = (performance.now() - before.at) / 1000;
      if (turn === 'alone') requestsPerSecond = count / seconds;
      if (!record) return;
      const into = cpu[turn];
      into.seconds += seconds;
      into.gateway += cpuSeconds(gatewayPid) - before.gateway;
      into.external += cpuSeconds(external.pid) - before.external;
      into.broker += (brokerPid ? cpuSeconds(brokerPid) : NaN) - before.broker;
    };

    for (const turn of TURNS) await run(turn, WARMUP_REQUESTS, false);
    for (let round = 0; round < rounds; round++) {
      const order = TURNS.map((_, index) => TURNS[(index + round) % TURNS.length]);
      for (const turn of order) {
        if (turn === 'external') {
          external.send({ type: 'rate', perSecond: 2 * requestsPerSecond });
          await new Promise((resolve) => setTimeout(resolve, EXTERNAL_RAMP_MS));
        }
        await run(turn, requests, true);
        if (turn === 'external') external.send({ type: 'rate', perSecond: 0 });
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      }
      process.stderr.write(`colocation: round ${round + 1} of ${rounds}\n`);
    }
    const stopped = nextMessage(external, 'stopped', 30_000);
    external.send({ type: 'stop' });
    await stopped;

    const summaries = Object.fromEntries(TURNS.map((turn) => [turn, summarizeLatencies(latencies[turn])]));
    const baseline = summaries.alone.p99;
    const cores = (turn, key) => (cpu[turn][key] / cpu[turn].seconds).toFixed(3);
    const lines = [
      `${rounds} rounds of ${requests} sequential requests per turn (${(rounds * requests).toLocaleString('en-US')} per turn in all), one connection, turns rotated; ${os.cpus().length} CPUs.`,
      '',
      '| turn | p50 ms | p99 ms | p99 vs alone | p99.9 ms | gateway cores | external publisher cores | broker cores |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const turn of TURNS) {
      const summary = summaries[turn];
      const change = ((summary.p99 / baseline - 1) * 100).toFixed(1);
      lines.push(
        `| ${turn} | ${summary.p50.toFixed(2)} | ${summary.p99.toFixed(2)} | ${turn === 'alone' ? '' : `${Number(change) >= 0 ? '+' : ''}${change} %`} | ${summary.p999.toFixed(2)} | ${cores(turn, 'gateway')} | ${cores(turn, 'external')} | ${cores(turn, 'broker')} |`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const child of children.reverse()) await stopChild(child);
    await deleteTopics(topicPrefix).catch((error) => console.error(`could not delete the topics ${topicPrefix}*: ${error.message}`));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
