/**
 * Scenario `embed-latency`: what embedding a prompt costs a semantic plugin,
 * with the offline embedder (all-MiniLM-L6-v2 on ONNX Runtime, one worker
 * thread) called the way a plugin calls it (`await embedder.embed([text])`):
 *   - load: creating the worker and the model (once per process);
 *   - short prompt, new text each time (the LRU never hits): the figure the
 *     semantic cache's hit latency is made of (target ≤ 15 ms p99);
 *   - repeated text (an LRU hit);
 *   - 16 callers at once (batching): texts per second.
 * Also CPU milliseconds per short prompt (all threads of the process), which
 * a busy machine inflates less than wall-clock time. Runs the built code
 * (services/semantic/dist); the prompts are the GPTCache questions from
 * the fixtures (`../shared/fixtures/semantic`).
 */

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createOfflineEmbedder } from '@switchyard/semantic';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, milliseconds, table } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { prompts: 2_000, warmup: 100, concurrentRounds: 40 },
  quick: { prompts: 200, warmup: 20, concurrentRounds: 5 },
};
const CONCURRENT_CALLERS = 16;
const P99_TARGET_MS = 15;

function prompts(): string[] {
  const file = path.resolve(process.cwd(), '..', 'shared', 'fixtures', 'semantic', 'gptcache-mock', 'mock_data.json');
  const items = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ origin: string; similar: string }>;
  return items.flatMap((item) => [item.origin, item.similar]);
}

async function timeEach(texts: readonly string[], call: (text: string) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (const text of texts) {
    const started = process.hrtime.bigint();
    await call(text);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples;
}

function cpuMilliseconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const all = prompts();
  const texts = Array.from(
    { length: settings.prompts + settings.warmup },
    (_, index) => `${all[index % all.length]}${index >= all.length ? ` (${index})` : ''}`,
  );
  const embedder = createOfflineEmbedder({ threads: 1, cacheSize: 1_000 });
  const rows: { name: string; summary: LatencySummary }[] = [];
  let loadMs: number;
  let cpuPerPrompt: number;
  let textsPerSecond: number;
  try {
    await context.quiet.wait();
    context.progress('loading the model');
    const loadStarted = performance.now();
    await embedder.warm();
    loadMs = performance.now() - loadStarted;

    context.progress(`short prompts: ${integer(settings.warmup)} warm-up, ${integer(settings.prompts)} measured`);
    await timeEach(texts.slice(0, settings.warmup), (text) => embedder.embed([text]));
    const cpuStarted = process.cpuUsage();
    rows.push({
      name: 'short prompt, new text',
      summary: summarizeLatencies(await timeEach(texts.slice(settings.warmup), (text) => embedder.embed([text]))),
    });
    cpuPerPrompt = cpuMilliseconds(cpuStarted) / settings.prompts;

    const repeated = texts[texts.length - 1];
    rows.push({
      name: 'repeated text (LRU hit)',
      summary: summarizeLatencies(await timeEach(Array(settings.prompts).fill(repeated), (text) => embedder.embed([text]))),
    });

    context.progress(`${CONCURRENT_CALLERS} callers at once, ${settings.concurrentRounds} rounds`);
    const concurrentStarted = performance.now();
    for (let round = 0; round < settings.concurrentRounds; round++) {
      await Promise.all(
        Array.from({ length: CONCURRENT_CALLERS }, (_, caller) =>
          embedder.embed([`${texts[(round * CONCURRENT_CALLERS + caller) % texts.length]} #${round}`]),
        ),
      );
    }
    textsPerSecond = (settings.concurrentRounds * CONCURRENT_CALLERS) / ((performance.now() - concurrentStarted) / 1000);
  } finally {
    await embedder.close();
  }
  const short = rows[0].summary;
  const lines = [
    '### Embedding latency (offline embedder)',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- embed-latency${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    `\`embedder.embed([text])\` awaited in one process, each call timed on its own, in milliseconds; ${embedder.id}, one worker thread. ` +
      `Prompts are GPTCache questions (about 15 tokens).`,
    '',
    table(
      ['case', 'calls', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      rows.map(({ name, summary }) => [
        name,
        integer(summary.count),
        milliseconds(summary.p50, 2),
        milliseconds(summary.p90, 2),
        milliseconds(summary.p99, 2),
        milliseconds(summary.max, 2),
      ]),
    ),
    '',
    `Model load (worker start, ONNX graph from the weights, session): ${milliseconds(loadMs, 0)} ms. ` +
      `CPU per short prompt: ${milliseconds(cpuPerPrompt, 2)} ms. ${CONCURRENT_CALLERS} callers at once (batched): ${integer(textsPerSecond)} texts/s.`,
    '',
    `Short prompt p99: ${milliseconds(short.p99, 2)} ms (target ≤ ${P99_TARGET_MS} ms): ${short.p99 <= P99_TARGET_MS ? 'met' : 'NOT met'}.`,
  ];
  return { markdown: lines.join('\n') };
}

export const embedLatency: Scenario = {
  name: 'embed-latency',
  summary: 'ms per prompt embedding, offline model on a worker thread: short prompt p50/p99 (target ≤ 15 ms p99), LRU hit, batching',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
