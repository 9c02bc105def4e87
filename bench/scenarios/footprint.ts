/**
 * Scenario `footprint`: what the gateway costs in memory and CPU, target by
 * target, started fresh: time from start to `/readyz` 200 (and, for the one
 * process mode, to its records database being open), resident memory once
 * idle, after a burst of requests (32 connections, closed loop) and at its
 * peak (`VmHWM`), and CPU time per request over the burst. The one-process
 * mode runs three times: records in memory (`SWITCHYARD_DATA_DIR=memory://`,
 * opened by the first request: idle is measured before it, and the burst
 * after them), in a new data folder, and restarted on that folder. The reference proxy
 * (a bare node:http + undici hop) is there for scale. The distributed mode's
 * gateway process is measured idle only (router and adapter service beside it,
 * events to the Kafka broker of `scripts/services.sh`, on topics of the run's own).
 */

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { ALL_TOPICS, ensureTopics } from '@switchyard/events';
import { messageOf, stopChild } from '../harness/child-processes';
import { CHAT_COMPLETIONS_PATH, chatRequestBody } from '../harness/fixtures';
import { startGateway, startMockUpstream, startReferenceProxy, type ProcessGroup } from '../harness/gateway-processes';
import { KAFKA_BROKERS, deleteTopics } from '../harness/kafka-topics';
import { describeRun } from '../harness/machine-info';
import { integer, mebibytes, table } from '../harness/markdown';
import { summarizeProfiles } from '../harness/profile-summary';
import { cpuSeconds, residentBytes } from '../harness/proc-readings';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { requests: 10_000, connections: 32, settleMs: 3_000 },
  quick: { requests: 2_000, connections: 32, settleMs: 1_000 },
};
const RECORDS_TIMEOUT_MS = 60_000;

interface Footprint {
  target: string;
  readyMs: number;
  recordsMs: number;
  idleBytes: number;
  afterBytes: number;
  peakBytes: number;
  cpuMicrosecondsPerRequest: number;
  /** Of it, the main thread's (where requests are served); the rest is other threads (PGlite's, libuv's, the collector's). */
  servingThreadMicrosecondsPerRequest: number;
  requestsPerSecond: number;
  errors: number;
}

/** RSS of the group's processes, or of those of one role. */
const residentOf = (group: ProcessGroup, role?: string) =>
  group.processes
    .filter((entry) => role === undefined || entry.role === role)
    .reduce((sum, { child }) => sum + (child.pid === undefined ? NaN : residentBytes(child.pid)), 0);

/** CPU seconds of the main threads of the group's processes (a process's main thread has the process's id). */
const mainThreadsCpuOf = (group: ProcessGroup) => group.processes.reduce((sum, { child }) => sum + cpuSeconds(child.pid, child.pid), 0);

/** When a target's records database opens: at start, at the first request (records in memory), or never (no records). */
type RecordsOpen = 'at start' | 'at first request' | 'none';

/** Milliseconds from `since` (default: the group's start) to the `records-ready` line of its log (the one-process mode logs it at info). */
async function recordsReadyAfter(group: ProcessGroup, since = group.startedAt ?? NaN): Promise<number> {
  const deadline = Date.now() + RECORDS_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (group.processes.some(({ logFile }) => fs.readFileSync(logFile, 'utf8').includes('"records-ready"'))) {
      return performance.now() - since;
    }
    await sleep(20);
  }
  return NaN;
}

/** Sends `count` chat completions over `connections` connections, closed loop; answers other than 200 are errors. */
async function burst(origin: string, count: number, connections: number): Promise<{ seconds: number; errors: number }> {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const body = chatRequestBody({ stream: false });
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next += 1;
      try {
        const response = await pool.request({ path: CHAT_COMPLETIONS_PATH, method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.body.dump();
        if (response.statusCode !== 200) errors += 1;
      } catch {
        errors += 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    await pool.close();
  }
  return { seconds: (performance.now() - started) / 1000, errors };
}

async function measure(
  context: ScenarioContext,
  target: string,
  group: ProcessGroup,
  { records, requests, role }: { records: RecordsOpen; requests: number; role?: string },
): Promise<Footprint> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  let recordsMs = records === 'at start' ? await recordsReadyAfter(group) : NaN;
  await sleep(settings.settleMs);
  const idleBytes = residentOf(group, role);
  if (records === 'at first request' && requests > 0) {
    // The burst measures serving with records open, as on the other targets: the first request opens them.
    const firstRequest = performance.now();
    const sent = await burst(group.origin, 1, 1);
    if (sent.errors > 0) throw new Error('the first request failed');
    recordsMs = await recordsReadyAfter(group, firstRequest);
  }
  let cpuMicrosecondsPerRequest = NaN;
  let servingThreadMicrosecondsPerRequest = NaN;
  let requestsPerSecond = NaN;
  let errors = 0;
  let afterBytes = NaN;
  if (requests > 0) {
    await context.quiet.wait();
    context.progress(`${target}: ${integer(requests)} requests`);
    const cpuBefore = group.cpuSeconds();
    const servingBefore = mainThreadsCpuOf(group);
    const sent = await burst(group.origin, requests, settings.connections);
    cpuMicrosecondsPerRequest = ((group.cpuSeconds() - cpuBefore) * 1e6) / requests;
    servingThreadMicrosecondsPerRequest = ((mainThreadsCpuOf(group) - servingBefore) * 1e6) / requests;
    requestsPerSecond = requests / sent.seconds;
    errors = sent.errors;
    afterBytes = residentOf(group);
  }
  return {
    target,
    readyMs: group.readyAfterMs ?? NaN,
    recordsMs,
    idleBytes,
    afterBytes,
    peakBytes: role === undefined ? group.peakRss().total : (group.peakRss().byRole[role] ?? NaN),
    cpuMicrosecondsPerRequest,
    servingThreadMicrosecondsPerRequest,
    requestsPerSecond,
    errors,
  };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const mock = await startMockUpstream();
  const upstreamBaseUrl = `${mock.origin}/v1`;
  const dataDirectory = path.join(context.outputDirectory, `footprint-data-${process.pid}`);
  fs.rmSync(dataDirectory, { recursive: true, force: true });
  // One folder of profiles per target: every thread of a process writes a profile of its own there.
  const profilesDirectory = context.options.cpuProfile ? path.join(context.outputDirectory, 'footprint-profiles') : undefined;
  if (profilesDirectory) fs.rmSync(profilesDirectory, { recursive: true, force: true });
  const profileDirectoryOf = (target: string) => {
    if (!profilesDirectory) return undefined;
    const directory = path.join(profilesDirectory, target.replace(/[^\w]+/g, '-').replace(/^-|-$/g, ''));
    fs.mkdirSync(directory, { recursive: true });
    return directory;
  };
  const rows: Footprint[] = [];
  const failures: string[] = [];
  const startOptions = (target: string, env: NodeJS.ProcessEnv = {}) => ({
    upstreamBaseUrl,
    outputDirectory: context.outputDirectory,
    logLevel: context.options.logLevel,
    profileDirectory: profileDirectoryOf(target),
    env,
  });
  const topicPrefix = `bench-footprint-${Date.now()}-${process.pid}.`;
  let topicsMade = false;
  const runs: { target: string; start: () => Promise<ProcessGroup>; records: RecordsOpen; requests: number; role?: string }[] = [
    { target: 'reference proxy', start: () => startReferenceProxy(startOptions('reference proxy')), records: 'none', requests: settings.requests },
    {
      target: 'one process, `memory://`',
      // No request before the idle reading: the first one opens the records.
      start: () => startGateway('embedded', { ...startOptions('memory', { SWITCHYARD_DATA_DIR: 'memory://' }), readinessOnly: true }),
      records: 'at first request',
      requests: settings.requests,
    },
    {
      target: 'one process, new data folder',
      start: () => startGateway('embedded', startOptions('new data folder', { SWITCHYARD_DATA_DIR: dataDirectory })),
      records: 'at start',
      requests: 0,
    },
    {
      target: 'one process, restart on that folder',
      start: () => startGateway('embedded', startOptions('restart', { SWITCHYARD_DATA_DIR: dataDirectory })),
      records: 'at start',
      requests: settings.requests,
    },
    {
      target: 'distributed, gateway process (idle only)',
      start: async () => {
        topicsMade = true;
        await ensureTopics(
          KAFKA_BROKERS,
          ALL_TOPICS.map((topic) => topicPrefix + topic),
          { numPartitions: 3, replicationFactor: 1 },
        );
        return startGateway('distributed', { ...startOptions('distributed'), kafka: { brokers: KAFKA_BROKERS, topicPrefix } });
      },
      records: 'none',
      requests: 0,
      role: 'gateway',
    },
  ];
  try {
    for (const { target, start, records, requests, role } of runs) {
      await context.quiet.wait();
      context.progress(`starting ${target}`);
      let group: ProcessGroup | undefined;
      try {
        group = await start();
        rows.push(await measure(context, target, group, { records, requests, role }));
      } catch (error) {
        failures.push(`${target}: ${messageOf(error).split('\n')[0]}`);
      } finally {
        await group?.stop();
      }
    }
  } finally {
    await stopChild(mock.child);
    fs.rmSync(dataDirectory, { recursive: true, force: true });
    if (topicsMade) {
      await deleteTopics(topicPrefix).catch((error: unknown) => context.progress(`could not delete the topics ${topicPrefix}*: ${messageOf(error)}`));
    }
  }

  const reference = rows.find((row) => row.target === 'reference proxy');
  const milliseconds = (value: number) => (Number.isFinite(value) ? integer(value) : '–');
  const lines = [
    '### Footprint',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- footprint${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    `Each target started fresh, alone, in front of the mock upstream. Ready: from spawning the process to \`/readyz\` 200; records: to ` +
      `its \`records-ready\` log line (the database open, migrations applied; with \`memory://\`, which opens them at first need, from the first ` +
      `request, sent after the idle reading). Idle: RSS ${settings.settleMs / 1000} s after that (\`memory://\`: after ready); ` +
      `after: RSS right after ${integer(settings.requests)} chat completions on ${settings.connections} connections (closed loop); ` +
      "peak: `VmHWM` before stopping, start-up included. CPU: the process's user + system time over the burst, per request, and the share of its main thread, " +
      "which serves the requests (the rest: PGlite's thread, libuv's, the collector's). " +
      'On a shared machine the figures are indicative: compare targets within one report.',
    '',
    table(
      [
        'target',
        'ready ms',
        'records ms',
        'idle RSS',
        'RSS after requests',
        'peak RSS',
        'CPU µs / request',
        'of it, serving thread',
        'req/s',
        'errors',
      ],
      rows.map((row) => [
        row.target,
        milliseconds(row.readyMs),
        milliseconds(row.recordsMs),
        mebibytes(row.idleBytes),
        mebibytes(row.afterBytes),
        mebibytes(row.peakBytes),
        Number.isFinite(row.cpuMicrosecondsPerRequest) ? row.cpuMicrosecondsPerRequest.toFixed(0) : '–',
        Number.isFinite(row.servingThreadMicrosecondsPerRequest) ? row.servingThreadMicrosecondsPerRequest.toFixed(0) : '–',
        integer(row.requestsPerSecond),
        Number.isFinite(row.afterBytes) ? integer(row.errors) : '–',
      ]),
    ),
    '',
    ...(reference
      ? rows
          .filter((row) => row !== reference && Number.isFinite(row.cpuMicrosecondsPerRequest))
          .map(
            (row) =>
              `- ${row.target}: ${(row.cpuMicrosecondsPerRequest / reference.cpuMicrosecondsPerRequest).toFixed(1)}× the reference proxy's CPU per request.`,
          )
      : []),
    ...failures.map((failure) => `- **did not run**: ${failure}`),
    ...(profilesDirectory
      ? fs
          .readdirSync(profilesDirectory)
          .flatMap((target) => ['', `#### CPU profile: ${target}`, '', summarizeProfiles([path.join(profilesDirectory, target)])])
      : []),
  ];
  return { markdown: lines.join('\n'), incomplete: failures.length > 0 };
}

export const footprint: Scenario = {
  name: 'footprint',
  summary: 'start-up time, idle / after-load / peak RSS and CPU per request of each target (a few minutes)',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
