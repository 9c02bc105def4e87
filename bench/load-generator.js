'use strict';

/**
 * The load generator, run as its own child process so its CPU use is its own
 * and its event loop is not shared with the process that supervises the run.
 * The parent sends `{ type: 'run', plan }` naming the targets (name and
 * origin). Before each scenario this process sends `scenario-start` and waits
 * for `proceed`; after it, `scenario-end`. At the end it sends
 * `{ type: 'result', result }` (per target, per scenario) and exits.
 *
 * Scenarios, in order (every request must answer 200, anything else is counted
 * as an error):
 * - check:      one request of each kind per target, content compared with the fixture;
 * - sequential: one keep-alive connection per target, one request at a time,
 *               the targets taking turns (see `runInTurns`);
 * - streaming:  the same with streaming requests; time to the first complete
 *               `data:` event and to the end of the stream;
 * - fixedRate:  each target alone, open loop: requests are sent on a fixed
 *               schedule whatever the replies do, and latency runs from the
 *               scheduled time, so a stall is charged to every request it delays;
 * - throughput: each target alone, closed loop on N connections as fast as
 *               replies come back.
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

/**
 * One connection per target, one request at a time. After a warm-up, the
 * targets take turns in rounds, the order rotating each round, so that a
 * change in the machine's state (another process waking up, the CPU clocking
 * down) falls on every target alike rather than on whichever ran at the time.
 * `collect(targetIndex, outcome)` is called for every measured success.
 */
async function runInTurns(targets, request, { warmup, requests, rounds }, options, collect) {
  const pools = targets.map((target) => createPool(target.origin, 1));
  const errors = targets.map(() => new ErrorTally());
  const perRound = Math.ceil(requests / rounds);
  try {
    for (let index = 0; index < targets.length; index++) {
      for (let sent = 0; sent < warmup; sent++) errors[index].record(await sendRequest(pools[index], request, options));
    }
    for (let round = 0; round < rounds; round++) {
      for (let turn = 0; turn < targets.length; turn++) {
        const index = (round + turn) % targets.length;
        for (let sent = 0; sent < perRound; sent++) {
          const outcome = await sendRequest(pools[index], request, options);
          errors[index].record(outcome);
          if (outcome.ok) collect(index, outcome);
        }
      }
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
  return { errors: errors.map((tally) => tally.toJSON()), requests: warmup + perRound * rounds };
}

async function runSequential(targets, request, settings) {
  const latencies = targets.map(() => []);
  const { errors, requests } = await runInTurns(targets, request, settings, {}, (index, outcome) => {
    latencies[index].push(outcome.finishedAt - outcome.startedAt);
  });
  return targets.map((_, index) => ({ latency: summarizeLatencies(latencies[index]), errors: errors[index], requests }));
}

async function runStreaming(targets, request, settings) {
  const measured = targets.map(() => ({ headers: [], firstEvent: [], total: [], events: 0 }));
  const { errors, requests } = await runInTurns(targets, request, settings, { stream: true }, (index, outcome) => {
    const into = measured[index];
    into.headers.push(outcome.headersAt - outcome.startedAt);
    into.firstEvent.push(outcome.firstEventAt - outcome.startedAt);
    into.total.push(outcome.finishedAt - outcome.startedAt);
    into.events = outcome.events;
  });
  return measured.map((into, index) => ({
    headers: summarizeLatencies(into.headers),
    firstEvent: summarizeLatencies(into.firstEvent),
    total: summarizeLatencies(into.total),
    eventsPerStream: into.events,
    errors: errors[index],
    requests,
  }));
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

/** Resolves when the parent answers `proceed`: it may first wait for the machine to go quiet. */
function parentReady(scenario, target) {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.type !== 'proceed') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send({ type: 'scenario-start', name: scenario, target });
  });
}

async function runPlan(plan) {
  const { targets, path, settings, expected } = plan;
  const requests = { completion: chatRequest(path, false), stream: chatRequest(path, true) };
  const results = Object.fromEntries(targets.map((target) => [target.name, {}]));

  // Each target alone.
  const alone = async (scenario, run) => {
    for (const target of targets) {
      await parentReady(scenario, target.name);
      results[target.name][scenario] = await run(target.origin);
      report({ type: 'scenario-end', name: scenario, target: target.name, requests: results[target.name][scenario].requests });
    }
  };
  // All targets in turns.
  const inTurns = async (scenario, run) => {
    await parentReady(scenario);
    const perTarget = await run();
    targets.forEach((target, index) => {
      results[target.name][scenario] = perTarget[index];
    });
    report({ type: 'scenario-end', name: scenario });
  };

  await alone('check', (origin) => checkResponses(origin, requests, expected));
  await inTurns('sequential', () => runSequential(targets, requests.completion, settings.sequential));
  await inTurns('streaming', () => runStreaming(targets, requests.stream, settings.streaming));
  await alone('fixedRate', (origin) => runFixedRate(origin, requests.completion, settings.fixedRate));
  await alone('throughput', (origin) => runThroughput(origin, requests.completion, settings.throughput));
  return results;
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
