/**
 * Scenario `otel-export`: what OpenTelemetry export adds to a chat
 * completion in the one process. Two embedded gateways in front of the same
 * mock upstream, identical but for `SWITCHYARD_TELEMETRY_ENABLED`: one with
 * export off (the default: the SDK is never loaded), one exporting every
 * span (sampling ratio 1) and its metrics each second over OTLP/HTTP to a
 * receiver in this process that reads and counts what it is sent. The same
 * sequential requests go to each in alternating rounds (so a busy moment of
 * the machine falls on both alike); the report gives the latency
 * percentiles of each and the difference of their p50s.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { stopChild } from '../harness/child-processes';
import { CHAT_COMPLETIONS_PATH, chatRequestBody } from '../harness/fixtures';
import { startGateway, startMockUpstream, type ProcessGroup } from '../harness/gateway-processes';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, milliseconds, signedMilliseconds, table } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';
import { sendRequest, type BenchRequest } from '../harness/send-request';

const SETTINGS = {
  full: { warmup: 1_000, requests: 5_000, rounds: 10 },
  quick: { warmup: 100, requests: 500, rounds: 4 },
};

/** An OTLP/HTTP receiver that counts the exports and their bytes, and answers as a collector does. */
async function startCountingReceiver(): Promise<{ url: string; counts: Record<string, { exports: number; bytes: number }>; close(): Promise<void> }> {
  const counts: Record<string, { exports: number; bytes: number }> = {
    '/v1/traces': { exports: 0, bytes: 0 },
    '/v1/metrics': { exports: 0, bytes: 0 },
  };
  const server: Server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      const count = counts[request.url ?? ''];
      if (count) {
        count.exports += 1;
        count.bytes += bytes;
      }
      response.writeHead(count ? 200 : 404, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const receiver = await startCountingReceiver();
  context.progress('starting the mock upstream');
  const mock = await startMockUpstream();
  const gateways: { name: string; group: ProcessGroup; client: Client; latencies: number[] }[] = [];
  try {
    const base = { upstreamBaseUrl: `${mock.origin}/v1`, outputDirectory: context.outputDirectory, logLevel: context.options.logLevel };
    for (const [name, env] of [
      ['export off', { SWITCHYARD_TELEMETRY_ENABLED: 'false' }],
      [
        'export on',
        {
          SWITCHYARD_TELEMETRY_ENABLED: 'true',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OTEL_SERVICE_NAME: 'switchyard-bench',
        },
      ],
    ] as const) {
      context.progress(`starting the embedded gateway, ${name}`);
      // Each gateway its own data directory: the embedded database allows one process per directory.
      const group = await startGateway('embedded', {
        ...base,
        env: { ...env, SWITCHYARD_DATA_DIR: `${context.outputDirectory}/otel-${name.replace(' ', '-')}-data` },
      });
      gateways.push({ name, group, client: new Client(group.origin, { pipelining: 1 }), latencies: [] });
    }
    const request: BenchRequest = {
      path: CHAT_COMPLETIONS_PATH,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(chatRequestBody({ stream: false })),
    };
    const send = async (gateway: (typeof gateways)[number], keep: boolean): Promise<void> => {
      const outcome = await sendRequest(gateway.client, request);
      if (!outcome.ok) throw new Error(`${gateway.name}: a request failed (${outcome.status} ${outcome.problem ?? ''})`);
      if (keep) gateway.latencies.push(outcome.finishedAt - outcome.startedAt);
    };
    context.progress(`warm-up: ${integer(settings.warmup)} requests to each`);
    for (let index = 0; index < settings.warmup; index++) for (const gateway of gateways) await send(gateway, false);
    const perRound = Math.ceil(settings.requests / settings.rounds);
    for (let round = 0; round < settings.rounds; round++) {
      await context.quiet.wait();
      context.progress(`round ${round + 1} of ${settings.rounds}: ${integer(perRound)} sequential requests to each`);
      // Alternate which goes first, so neither always follows the other's garbage collection.
      const order = round % 2 === 0 ? gateways : [...gateways].reverse();
      for (const gateway of order) for (let index = 0; index < perRound; index++) await send(gateway, true);
    }
  } finally {
    for (const gateway of gateways) {
      await gateway.client.close();
      await gateway.group.stop();
    }
    await stopChild(mock.child);
    await receiver.close();
  }
  const summaries: { name: string; summary: LatencySummary }[] = gateways.map(({ name, latencies }) => ({
    name,
    summary: summarizeLatencies(latencies),
  }));
  const [off, on] = summaries;
  const traces = receiver.counts['/v1/traces'];
  const metrics = receiver.counts['/v1/metrics'];
  const lines = [
    '### OpenTelemetry export overhead',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- otel-export${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    'Two embedded gateways (`switchyard all`) in front of the same mock upstream, export off and on (every span; metrics each second), ' +
      `${integer(on.summary.count)} sequential non-streaming chat completions each in ${settings.rounds} alternating rounds after ` +
      `${integer(settings.warmup)} warm-up requests; latency measured by the client, in milliseconds.`,
    '',
    table(
      ['gateway', 'requests', 'p50', 'p90', 'p99', 'mean'],
      summaries.map(({ name, summary }) => [
        name,
        integer(summary.count),
        milliseconds(summary.p50),
        milliseconds(summary.p90),
        milliseconds(summary.p99),
        milliseconds(summary.mean),
      ]),
    ),
    '',
    `p50 with export on − off: ${signedMilliseconds(on.summary.p50 - off.summary.p50, 3)} ms (${(((on.summary.p50 - off.summary.p50) / off.summary.p50) * 100).toFixed(1)} %). ` +
      `The receiver got ${integer(traces.exports)} span exports (${integer(traces.bytes)} bytes) and ${integer(metrics.exports)} metric exports (${integer(metrics.bytes)} bytes).`,
  ];
  return { markdown: lines.join('\n'), incomplete: traces.exports === 0 };
}

export const otelExportOverhead: Scenario = {
  name: 'otel-export',
  summary: 'one-process p50 of a chat completion with OpenTelemetry export on vs off',
  quietBudgetSeconds: (options) => (options.quick ? 20 : 120),
  run,
};
