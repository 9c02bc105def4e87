/**
 * The load generator, run as its own child process so its CPU use is its own
 * and its event loop is not shared with the process that supervises the run.
 * The parent sends a `RunMessage` naming the targets (name and origin). Before
 * each scenario this process sends `scenario-start` and waits for `proceed`;
 * after it, `scenario-end`. At the end it sends a `ResultMessage` (per
 * target, per load) and exits.
 *
 * Loads, in order (every request must answer 200, anything else is counted
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

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { chatRequestBody, streamContent } from './fixtures';
import { type ErrorCount, ErrorTally, type LatencySummary, summarizeLatencies } from './latency-summary';
import { type BenchRequest, type Outcome, sendRequest } from './send-request';

export interface SequentialSettings {
  warmup: number;
  requests: number;
  rounds: number;
}

export interface FixedRateSettings {
  perSecond: number;
  warmupSeconds: number;
  seconds: number;
  connections: number;
}

export interface ThroughputSettings {
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadSettings {
  sequential: SequentialSettings;
  streaming: SequentialSettings;
  fixedRate: FixedRateSettings;
  throughput: ThroughputSettings;
}

export interface LoadTarget {
  name: string;
  origin: string;
}

export interface LoadPlan {
  targets: LoadTarget[];
  path: string;
  settings: LoadSettings;
  expected: { completion: string; stream: string };
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
  streamEvents: number;
}

export interface SequentialResult {
  latency: LatencySummary;
  errors: ErrorCount;
  requests: number;
}

export interface StreamingResult {
  headers: LatencySummary;
  firstEvent: LatencySummary;
  total: LatencySummary;
  eventsPerStream: number;
  errors: ErrorCount;
  requests: number;
}

export interface FixedRateResult {
  latency: LatencySummary;
  sendLag: LatencySummary;
  errors: ErrorCount;
  requests: number;
}

export interface ThroughputResult {
  requestsPerSecond: number;
  latency: LatencySummary;
  errors: ErrorCount;
  requests: number;
}

/** Everything measured of one target. */
export interface TargetLoadResult {
  check: CheckResult;
  sequential: SequentialResult;
  streaming: StreamingResult;
  fixedRate: FixedRateResult;
  throughput: ThroughputResult;
}

export type LoadName = keyof TargetLoadResult;

/** Parent → load generator. */
export type ParentMessage = { type: 'run'; plan: LoadPlan } | { type: 'proceed' };

/** Load generator → parent. */
export type LoadGeneratorMessage =
  | { type: 'scenario-start'; name: LoadName; target?: string }
  | { type: 'scenario-end'; name: LoadName; target?: string; requests?: number }
  | ResultMessage
  | { type: 'failed'; error: string };

export interface ResultMessage {
  type: 'result';
  result: Record<string, TargetLoadResult>;
  /** CPU seconds the load generator used in all. */
  cpuSeconds: number;
}

function createPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
}

function chatRequest(path: string, stream: boolean): BenchRequest {
  return {
    path,
    headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' },
    body: Buffer.from(chatRequestBody({ stream }), 'utf8'),
  };
}

function report(message: LoadGeneratorMessage): void {
  if (process.send) process.send(message);
}

async function checkResponses(
  origin: string,
  requests: { completion: BenchRequest; stream: BenchRequest },
  expected: LoadPlan['expected'],
): Promise<CheckResult> {
  const pool = createPool(origin, 1);
  try {
    const completion = await sendRequest(pool, requests.completion, { keepBody: true });
    const stream = await sendRequest(pool, requests.stream, { stream: true, keepBody: true });
    const problems: string[] = [];
    if (!completion.ok) problems.push(`chat completion: ${completion.problem} ${completion.body ?? ''}`.trim());
    else {
      const parsed = JSON.parse(completion.body ?? '') as { choices?: { message?: { content?: string } }[] };
      if (parsed.choices?.[0]?.message?.content !== expected.completion) problems.push('chat completion: content differs from the recorded response');
    }
    if (!stream.ok) problems.push(`streaming chat completion: ${stream.problem} ${stream.body ?? ''}`.trim());
    else if (streamContent(stream.body ?? '') !== expected.stream)
      problems.push('streaming chat completion: content differs from the recorded stream');
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
async function runInTurns(
  targets: LoadTarget[],
  request: BenchRequest,
  { warmup, requests, rounds }: SequentialSettings,
  options: { stream?: boolean },
  collect: (index: number, outcome: Outcome) => void,
): Promise<{ errors: ErrorCount[]; requests: number }> {
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

async function runSequential(targets: LoadTarget[], request: BenchRequest, settings: SequentialSettings): Promise<SequentialResult[]> {
  const latencies: number[][] = targets.map(() => []);
  const { errors, requests } = await runInTurns(targets, request, settings, {}, (index, outcome) => {
    latencies[index].push(outcome.finishedAt - outcome.startedAt);
  });
  return targets.map((_, index) => ({ latency: summarizeLatencies(latencies[index]), errors: errors[index], requests }));
}

async function runStreaming(targets: LoadTarget[], request: BenchRequest, settings: SequentialSettings): Promise<StreamingResult[]> {
  const measured = targets.map(() => ({ headers: [] as number[], firstEvent: [] as number[], total: [] as number[], events: 0 }));
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

function runFixedRate(
  origin: string,
  request: BenchRequest,
  { perSecond, warmupSeconds, seconds, connections }: FixedRateSettings,
): Promise<FixedRateResult> {
  const pool = createPool(origin, connections);
  const errors = new ErrorTally();
  const latencies: number[] = [];
  const sendLags: number[] = [];
  const interval = 1000 / perSecond;
  const total = Math.round(perSecond * (warmupSeconds + seconds));
  const firstMeasured = Math.round(perSecond * warmupSeconds);
  const start = performance.now() + 5;
  let sent = 0;
  let answered = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const index = sent++;
        const scheduledAt = start + index * interval;
        if (index >= firstMeasured) sendLags.push(now - scheduledAt);
        void sendRequest(pool, request).then((outcome) => {
          errors.record(outcome);
          if (index >= firstMeasured && outcome.ok) latencies.push(outcome.finishedAt - scheduledAt);
          answered += 1;
          if (answered === total) {
            void pool.close().then(() =>
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

async function runThroughput(
  origin: string,
  request: BenchRequest,
  { connections, warmupSeconds, seconds }: ThroughputSettings,
): Promise<ThroughputResult> {
  const pool = createPool(origin, connections);
  const errors = new ErrorTally();
  const latencies: number[] = [];
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const measureUntil = measureFrom + seconds * 1000;
  let requests = 0;
  const connectionLoop = async (): Promise<void> => {
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
function parentReady(scenario: LoadName, target?: string): Promise<void> {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    const onMessage = (message: ParentMessage): void => {
      if (message?.type !== 'proceed') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    report({ type: 'scenario-start', name: scenario, target });
  });
}

async function runPlan(plan: LoadPlan): Promise<Record<string, TargetLoadResult>> {
  const { targets, path, settings, expected } = plan;
  const requests = { completion: chatRequest(path, false), stream: chatRequest(path, true) };
  const results: Record<string, Partial<TargetLoadResult>> = Object.fromEntries(targets.map((target) => [target.name, {}]));

  // Each target alone.
  const alone = async <Name extends LoadName>(scenario: Name, run: (origin: string) => Promise<TargetLoadResult[Name]>): Promise<void> => {
    for (const target of targets) {
      await parentReady(scenario, target.name);
      const result = await run(target.origin);
      results[target.name][scenario] = result;
      report({ type: 'scenario-end', name: scenario, target: target.name, requests: 'requests' in result ? result.requests : undefined });
    }
  };
  // All targets in turns.
  const inTurns = async <Name extends LoadName>(scenario: Name, run: () => Promise<TargetLoadResult[Name][]>): Promise<void> => {
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
  return results as Record<string, TargetLoadResult>;
}

process.on('message', (message: ParentMessage) => {
  if (message?.type !== 'run') return;
  runPlan(message.plan).then(
    (result) => {
      const usage = process.cpuUsage();
      const done: ResultMessage = { type: 'result', result, cpuSeconds: (usage.user + usage.system) / 1e6 };
      process.send?.(done, () => process.exit(0));
    },
    (error: unknown) =>
      process.send?.({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
  );
});

// The parent going away (normally or not) ends this process.
process.on('disconnect', () => process.exit(0));
