/**
 * Scenario `soak`: the one-process gateway under a fixed, moderate rate of
 * mixed traffic for a long time (an hour by default), recording into its
 * embedded database on disk, as the README's first command runs it. Every
 * sample reads the gateway's resident memory and open file descriptors from
 * /proc and its V8 heap from its own /metrics; at the end every request sent
 * must have its record. A flat curve is the result looked for: memory, heap
 * and descriptors that grow with the requests served are a leak.
 *
 * The mix, per ten requests: four chat completions, three streamed ones
 * (read to the end), one stream the client abandons after its first chunk,
 * one body that is not JSON (400) and one request whose attribution metadata
 * holds a lone surrogate (stored with U+FFFD in its place).
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { CHAT_COMPLETIONS_PATH, chatRequestBody } from '../harness/fixtures';
import { startGateway, startMockUpstream } from '../harness/gateway-processes';
import { stopChild } from '../harness/child-processes';
import { describeRun } from '../harness/machine-info';
import { integer, mebibytes, table } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { seconds: 3_600, requestsPerSecond: 50, sampleSeconds: 60 },
  quick: { seconds: 20, requestsPerSecond: 50, sampleSeconds: 2 },
};
/** How long the records of the last requests may take to be written. */
const RECORDS_DEADLINE_MS = 60_000;

type Kind = 'chat' | 'stream' | 'abandoned-stream' | 'invalid-json' | 'unstorable-metadata';
const MIX: Kind[] = ['chat', 'stream', 'chat', 'stream', 'chat', 'abandoned-stream', 'chat', 'stream', 'invalid-json', 'unstorable-metadata'];

interface Sample {
  elapsedSeconds: number;
  sent: number;
  rssBytes: number;
  heapUsedBytes: number;
  openFiles: number;
}

function residentBytes(pid: number): number {
  const match = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB$/m);
  return match ? Number(match[1]) * 1024 : NaN;
}

function openFiles(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

async function heapUsedBytes(pool: Pool): Promise<number> {
  const response = await pool.request({ path: '/metrics', method: 'GET' });
  const text = await response.body.text();
  const match = text.match(/^switchyard_nodejs_heap_size_used_bytes (\S+)$/m);
  return match ? Number(match[1]) : NaN;
}

/** Sends one request of the given kind; resolves with its HTTP status (0 when it failed on the client's side). */
async function send(pool: Pool, kind: Kind, workspace: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-switchyard-workspace': workspace };
  const controller = new AbortController();
  let body: string;
  switch (kind) {
    case 'chat':
      body = chatRequestBody({ stream: false });
      break;
    case 'stream':
    case 'abandoned-stream':
      body = chatRequestBody({ stream: true });
      break;
    case 'invalid-json':
      body = '{"model": "gpt-4.1-nano", "messages": [';
      break;
    case 'unstorable-metadata':
      body = chatRequestBody({ stream: false });
      headers['x-switchyard-metadata'] = '{"feature":"\\ud800"}';
      break;
  }
  try {
    const response = await pool.request({ path: CHAT_COMPLETIONS_PATH, method: 'POST', headers, body, signal: controller.signal });
    if (kind === 'abandoned-stream') {
      for await (const _chunk of response.body) {
        controller.abort();
        break;
      }
    } else {
      await response.body.dump();
    }
    return response.statusCode;
  } catch {
    return kind === 'abandoned-stream' && controller.signal.aborted ? 200 : 0;
  }
}

/** Requests recorded for the workspace, from the gateway's own usage API. */
async function recordedRequests(pool: Pool, workspace: string): Promise<number> {
  const response = await pool.request({ path: `/v1/usage?group_by=workspace&workspace=${workspace}`, method: 'GET' });
  const usage = (await response.body.json()) as { data?: Array<{ requests: number }> };
  return (usage.data ?? []).reduce((sum, group) => sum + group.requests, 0);
}

/** Least-squares slope of `values` over `times`, per hour. */
function slopePerHour(times: number[], values: number[]): number {
  const count = times.length;
  if (count < 2) return NaN;
  const meanTime = times.reduce((sum, value) => sum + value, 0) / count;
  const meanValue = values.reduce((sum, value) => sum + value, 0) / count;
  let covariance = 0;
  let variance = 0;
  for (let index = 0; index < count; index++) {
    covariance += (times[index] - meanTime) * (values[index] - meanValue);
    variance += (times[index] - meanTime) ** 2;
  }
  return (covariance / variance) * 3_600;
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const seconds = context.options.durationSeconds ?? settings.seconds;
  const { requestsPerSecond, sampleSeconds } = settings;
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-soak-'));
  const workspace = `soak-${Date.now().toString(36)}`;
  const mock = await startMockUpstream();
  const gateway = await startGateway('embedded', {
    upstreamBaseUrl: `${mock.origin}/v1`,
    outputDirectory: context.outputDirectory,
    logLevel: context.options.logLevel,
    env: { SWITCHYARD_DATA_DIR: dataDirectory },
  });
  const pid = gateway.processes[0].child.pid!;
  const pool = new Pool(gateway.origin, { connections: 32 });
  const statuses = new Map<number, number>();
  const samples: Sample[] = [];
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  try {
    const started = Date.now();
    const sample = async (): Promise<void> => {
      samples.push({
        elapsedSeconds: (Date.now() - started) / 1000,
        sent,
        rssBytes: residentBytes(pid),
        heapUsedBytes: await heapUsedBytes(pool),
        openFiles: openFiles(pid),
      });
    };
    await sample();
    let nextSample = started + sampleSeconds * 1000;
    context.progress(`${requestsPerSecond} requests/s for ${seconds} s, a sample every ${sampleSeconds} s`);
    // A fixed rate: each tick sends what the schedule says is due, so a slow answer never slows the sender.
    while (Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * requestsPerSecond);
      while (sent < due) {
        const kind = MIX[sent % MIX.length];
        sent++;
        const request = send(pool, kind, workspace).then((status) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          inFlight.delete(request);
        });
        inFlight.add(request);
      }
      if (Date.now() >= nextSample) {
        await sample();
        nextSample += sampleSeconds * 1000;
        const last = samples.at(-1)!;
        context.progress(
          `${Math.round(last.elapsedSeconds)} s: ${sent} sent, RSS ${mebibytes(last.rssBytes)}, heap ${mebibytes(last.heapUsedBytes)}, ${last.openFiles} fds`,
        );
      }
      await sleep(20);
    }
    await Promise.all(inFlight);
    await sample();

    // Every request sent must have its record.
    const deadline = Date.now() + RECORDS_DEADLINE_MS;
    let recorded = await recordedRequests(pool, workspace);
    while (recorded < sent && Date.now() < deadline) {
      await sleep(500);
      recorded = await recordedRequests(pool, workspace);
    }

    // The trend is read over the second half of the run, past the start-up and warm-up (caches, the database's buffers).
    const loaded = samples.filter((entry) => entry.elapsedSeconds >= seconds / 2);
    const loadedTimes = loaded.map((entry) => entry.elapsedSeconds);
    const rows = samples.map((entry) => [
      `${Math.round(entry.elapsedSeconds)} s`,
      integer(entry.sent),
      mebibytes(entry.rssBytes),
      mebibytes(entry.heapUsedBytes),
      String(entry.openFiles),
    ]);
    const markdown = [
      '# Soak: the one-process gateway under steady mixed traffic',
      '',
      describeRun(context.machine, context.build),
      '',
      `${requestsPerSecond} requests/s for ${seconds} s (${integer(sent)} requests), recording into the embedded database on disk. ` +
        'Per ten requests: four chat completions, three streams read to the end, one stream abandoned after its first chunk, ' +
        'one body that is not JSON and one request whose metadata holds a lone surrogate.',
      '',
      `- Answers by status: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status === 0 ? 'client error' : status}: ${integer(count)}`)
        .join(', ')}`,
      `- Records: ${integer(recorded)} of ${integer(sent)} requests sent${recorded === sent ? ' (every one)' : ` (**${integer(sent - recorded)} missing**)`}`,
      `- Trend over the second half (least squares, per hour): RSS ${mebibytes(
        slopePerHour(
          loadedTimes,
          loaded.map((entry) => entry.rssBytes),
        ),
      )}, ` +
        `heap ${mebibytes(
          slopePerHour(
            loadedTimes,
            loaded.map((entry) => entry.heapUsedBytes),
          ),
        )}, ` +
        `descriptors ${slopePerHour(
          loadedTimes,
          loaded.map((entry) => entry.openFiles),
        ).toFixed(1)}`,
      '',
      table(['time', 'requests sent', 'RSS', 'V8 heap used', 'open fds'], rows),
      '',
    ].join('\n');
    return { markdown, incomplete: recorded !== sent };
  } finally {
    await pool.close();
    await gateway.stop();
    await stopChild(mock.child);
    fs.rmSync(dataDirectory, { recursive: true, force: true });
  }
}

export const soak: Scenario = {
  name: 'soak',
  summary: 'the one-process gateway under steady mixed traffic for an hour: RSS, heap, descriptors, records',
  quietBudgetSeconds: () => 0,
  run,
};
