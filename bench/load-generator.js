'use strict';

/**
 * The load generator, run as its own child process so its CPU use is its own
 * and its event loop is not shared with the process that supervises the run.
 * The parent sends `{ type: 'run', plan }`; this process runs the scenarios in
 * order against `plan.origin`, reports `scenario-start` / `scenario-end` as it
 * goes, then sends `{ type: 'result', result }` and exits.
 *
 * Scenarios (every request must answer 200, anything else is counted as an error):
 * - response-check: one request of each kind, content compared with the fixture;
 * - sequential:     one keep-alive connection, one request at a time;
 * - fixed-rate:     open loop; requests are sent on a fixed schedule whatever the
 *                   replies do, and latency runs from the scheduled time, so a
 *                   stall is charged to every request it delays;
 * - throughput:     closed loop on N connections as fast as replies come back;
 * - streaming:      one connection, one streaming request at a time; time to the
 *                   first complete `data:` event and to the end of the stream.
 */

const { performance } = require('node:perf_hooks');
const { Pool } = require('undici');
const { sendRequest } = require('./send-request');
const { summarizeLatencies, ErrorTally } = require('./latency-summary');
const { streamContent, chatRequestBody } = require('./fixtures');

function createPool(origin, connections) {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
}

function chatRequest(path, stream) {
  return {
    path,
    headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' },
    body: Buffer.from(chatRequestBody({ stream }), 'utf8'),
  };
}

function report(message) {
  if (process.send) process.send(message);
}

async function checkResponses(origin, requests, expected) {
  const pool = createPool(origin, 1);
  try {
    const completion = await sendRequest(pool, requests.completion, { keepBody: true });
    const stream = await sendRequest(pool, requests.stream, { stream: true, keepBody: true });
    const problems = [];
    if (!completion.ok) problems.push(`chat completion: ${completion.problem} ${completion.body ?? ''}`.trim());
    else {
      const content = JSON.parse(completion.body).choices?.[0]?.message?.content;
      if (content !== expected.completion) problems.push('chat completion: content differs from the recorded response');
    }
    if (!stream.ok) problems.push(`streaming chat completion: ${stream.problem} ${stream.body ?? ''}`.trim());
    else if (streamContent(stream.body) !== expected.stream) problems.push('streaming chat completion: content differs from the recorded stream');
    return { ok: problems.length === 0, problems, streamEvents: stream.events };
  } finally {
    await pool.close();
  }
}

async function runSequential(origin, request, { warmup, requests }) {
  const pool = createPool(origin, 1);
  const errors = new ErrorTally();
  const latencies = [];
  try {
    for (let index = 0; index < warmup + requests; index++) {
      const outcome = await sendRequest(pool, request);
      errors.record(outcome);
      if (index >= warmup && outcome.ok) latencies.push(outcome.finishedAt - outcome.startedAt);
    }
  } finally {
    await pool.close();
  }
  return { latency: summarizeLatencies(latencies), errors: errors.toJSON(), requests: warmup + requests };
}

function runFixedRate(origin, request, { perSecond, warmupSeconds, seconds, connections }) {
  const pool = createPool(origin, connections);
  const errors = new ErrorTally();
  const latencies = [];
  const sendLags = [];
  const interval = 1000 / perSecond;
  const total = Math.round(perSecond * (warmupSeconds + seconds));
  const firstMeasured = Math.round(perSecond * warmupSeconds);
  const start = performance.now() + 5;
  let sent = 0;
  let answered = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const index = sent++;
        const scheduledAt = start + index * interval;
        if (index >= firstMeasured) sendLags.push(now - scheduledAt);
        sendRequest(pool, request).then((outcome) => {
          errors.record(outcome);
          if (index >= firstMeasured && outcome.ok) latencies.push(outcome.finishedAt - scheduledAt);
          answered += 1;
          if (answered === total) {
            pool.close().then(() =>
              resolve({
                latency: summarizeLatencies(latencies),
                sendLag: summarizeLatencies(sendLags),
                errors: errors.toJSON(),
                requests: total,
              }),
            );
          }
        });
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
}

async function runThroughput(origin, request, { connections, warmupSeconds, seconds }) {
  const pool = createPool(origin, connections);
  const errors = new ErrorTally();
  const latencies = [];
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const measureUntil = measureFrom + seconds * 1000;
  let requests = 0;
  const connectionLoop = async () => {
    while (performance.now() < measureUntil) {
      const outcome = await sendRequest(pool, request);
      requests += 1;
      errors.record(outcome);
      if (outcome.ok && outcome.finishedAt >= measureFrom && outcome.finishedAt <= measureUntil) {
        latencies.push(outcome.finishedAt - outcome.startedAt);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, connectionLoop));
  } finally {
    await pool.close();
  }
  return {
    requestsPerSecond: latencies.length / seconds,
    latency: summarizeLatencies(latencies),
    errors: errors.toJSON(),
    requests,
  };
}

async function runStreaming(origin, request, { warmup, requests }) {
  const pool = createPool(origin, 1);
  const errors = new ErrorTally();
  const firstEvent = [];
  const headers = [];
  const total = [];
  let events = 0;
  try {
    for (let index = 0; index < warmup + requests; index++) {
      const outcome = await sendRequest(pool, request, { stream: true });
      errors.record(outcome);
      if (index < warmup || !outcome.ok) continue;
      headers.push(outcome.headersAt - outcome.startedAt);
      firstEvent.push(outcome.firstEventAt - outcome.startedAt);
      total.push(outcome.finishedAt - outcome.startedAt);
      events = outcome.events;
    }
  } finally {
    await pool.close();
  }
  return {
    headers: summarizeLatencies(headers),
    firstEvent: summarizeLatencies(firstEvent),
    total: summarizeLatencies(total),
    eventsPerStream: events,
    errors: errors.toJSON(),
    requests: warmup + requests,
  };
}

async function runPlan(plan) {
  const { origin, path, settings, expected } = plan;
  const requests = { completion: chatRequest(path, false), stream: chatRequest(path, true) };
  const result = {};
  const scenarios = [
    ['check', () => checkResponses(origin, requests, expected)],
    ['sequential', () => runSequential(origin, requests.completion, settings.sequential)],
    ['fixedRate', () => runFixedRate(origin, requests.completion, settings.fixedRate)],
    ['throughput', () => runThroughput(origin, requests.completion, settings.throughput)],
    ['streaming', () => runStreaming(origin, requests.stream, settings.streaming)],
  ];
  for (const [name, run] of scenarios) {
    report({ type: 'scenario-start', name });
    result[name] = await run();
    report({ type: 'scenario-end', name, requests: result[name].requests ?? 2 });
  }
  return result;
}

process.on('message', (message) => {
  if (message?.type !== 'run') return;
  runPlan(message.plan).then(
    (result) => {
      const usage = process.cpuUsage();
      process.send({ type: 'result', result, cpuSeconds: (usage.user + usage.system) / 1e6 }, () => process.exit(0));
    },
    (error) => process.send({ type: 'failed', error: error.stack ?? String(error) }, () => process.exit(1)),
  );
});

// The parent going away (normally or not) ends this process.
process.on('disconnect', () => process.exit(0));
