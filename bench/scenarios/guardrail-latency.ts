/**
 * Scenario `guardrails`: what the guardrails plugin's checks cost a request,
 * measured in this process on the built code (services/semantic/dist), one
 * call at a time: PII detection on a short prompt and on a long document,
 * the injection heuristics, the injection kNN vote (the offline embedder,
 * index built first: the embedding of the prompt included), a topic check,
 * and the whole `beforeRequest` of the plugin redacting a short prompt.
 */

import { performance } from 'node:perf_hooks';
import {
  createGuardrailsPlugin,
  createOfflineEmbedder,
  detectPii,
  injectionHeuristicScore,
  InjectionDetector,
  LocalGuardrailChecker,
  loadInjectionCorpus,
  TopicMatcher,
} from '@switchyard/semantic';
import { ANONYMOUS_PRINCIPAL, configSchema, type ChatRequest, type PluginContext } from '@switchyard/shared';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { microsecondTable } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { calls: 20_000, embedded: 1_000 },
  quick: { calls: 2_000, embedded: 100 },
};

const SHORT = 'Please email the invoice to ana.lopez@example.org and call me on +44 20 7946 0958 about card 4539 1488 0343 6467.';
/** About 2,000 characters of ordinary prose with a few values in it. */
const LONG = Array.from({ length: 24 }, (_unused, index) =>
  index % 6 === 0
    ? `Contact ${index} at person${index}@example.com or 10.0.${index}.7. `
    : 'The quarterly report covers revenue, costs and the outlook for next year in some detail. ',
).join('');

/** Times each call of `call` on its own, in microseconds. */
async function timeEach(count: number, call: (index: number) => unknown): Promise<number[]> {
  const samples = new Array<number>(count);
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint();
    await call(index);
    samples[index] = Number(process.hrtime.bigint() - started) / 1000;
  }
  return samples;
}

function contextFor(request: ChatRequest): PluginContext {
  return {
    requestId: 'bench',
    workspace: 'default',
    principal: ANONYMOUS_PRINCIPAL,
    headers: {},
    request,
    streamed: false,
    signal: new AbortController().signal,
    state: new Map(),
    setHeader: () => undefined,
    annotate: () => undefined,
    defer: () => undefined,
  };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const rows: { name: string; summary: LatencySummary }[] = [];
  const embedder = createOfflineEmbedder();
  try {
    await context.quiet.wait();
    context.progress('PII and heuristics');
    rows.push({
      name: `PII, short prompt (${SHORT.length} chars)`,
      summary: summarizeLatencies(await timeEach(settings.calls, () => detectPii(SHORT))),
    });
    rows.push({
      name: `PII, long document (${LONG.length} chars)`,
      summary: summarizeLatencies(await timeEach(settings.calls, () => detectPii(LONG))),
    });
    rows.push({
      name: 'injection heuristics, short prompt',
      summary: summarizeLatencies(await timeEach(settings.calls, () => injectionHeuristicScore(SHORT))),
    });

    const config = configSchema.parse({ guardrails: { enabled: true, injection: { action: 'off' } } }).guardrails;
    const checker = new LocalGuardrailChecker({ config });
    const plugin = createGuardrailsPlugin(config, () => checker);
    const request: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: SHORT }] }],
      sampling: {},
      stream: false,
      includeUsage: false,
    };
    rows.push({
      name: 'plugin beforeRequest, PII redaction (short prompt)',
      summary: summarizeLatencies(await timeEach(settings.calls, () => plugin.beforeRequest!(contextFor(request)))),
    });

    context.progress('building the injection index (the offline embedder)');
    const detector = new InjectionDetector(loadInjectionCorpus(), () => embedder);
    await detector.ready();
    const matcher = new TopicMatcher(
      () => embedder,
      [{ name: 'investing', examples: ['Which stocks should I buy?', 'Should I invest in bitcoin?'] }],
      [],
      0.6,
    );
    await matcher.check('warm-up');
    await context.quiet.wait();
    // Distinct prompts: the embedder's cache of identical texts would otherwise answer.
    const prompt = (index: number) => `${SHORT} (ticket ${index})`;
    rows.push({
      name: 'injection kNN + heuristics, short prompt (embedding included)',
      summary: summarizeLatencies(await timeEach(settings.embedded, (index) => detector.score(prompt(index)))),
    });
    rows.push({
      name: 'topic check, short prompt (embedding included)',
      summary: summarizeLatencies(await timeEach(settings.embedded, (index) => matcher.check(prompt(index + settings.embedded)))),
    });
    await detector.close();
  } finally {
    await embedder.close();
  }
  const lines = [
    '### Guardrail latency',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- guardrails${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    'Each check awaited in one process, timed on its own, in microseconds. The kNN and topic rows embed the prompt with the offline ' +
      'model on its worker thread; the injection index holds the shipped corpus (data/prompt-injection).',
    '',
    microsecondTable('check', rows),
  ];
  return { markdown: lines.join('\n') };
}

export const guardrailLatency: Scenario = {
  name: 'guardrails',
  summary: 'µs per guardrail check: PII, injection heuristics and kNN, topics, the plugin redacting a prompt',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
