/**
 * Scenario `route-decision`: what one routing decision costs, in process,
 * the way the gateway asks for it (`RouteResolver.resolve(model, features,
 * statistics)` on a compiled config): one route per strategy, each over
 * several deployments, with live statistics from a `StatisticsTracker` and
 * prices from the config. Target: ≤ 20 µs p99 for every route. Runs the
 * built code (services/router/dist). Each call is timed on its own with
 * process.hrtime.bigint(); percentiles are nearest-rank.
 */

import { performance } from 'node:perf_hooks';
import { chatRequestFeatures, configSchema, type ChatRequest, type RequestFeatures } from '@switchyard/shared';
import { ConfiguredDeploymentProfiles, ModelCatalog, RouteResolver, StatisticsTracker } from '@switchyard/router';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, microseconds, microsecondTable } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { calls: 200_000, warmup: 50_000 },
  quick: { calls: 20_000, warmup: 5_000 },
};

const TARGET_P99_MICROSECONDS = 20;

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3'];
const leaves = (extra: (index: number) => object = () => ({})) => MODELS.map((model, index) => ({ provider: 'openai', model, ...extra(index) }));

/** One route per strategy, five deployments each, and a nested tree. */
const config = configSchema.parse({
  providers: {
    openai: {
      kind: 'openai',
      models: MODELS,
      prices: Object.fromEntries(MODELS.map((model, index) => [model, { input: 1 + index, output: 4 + index }])),
    },
  },
  routes: {
    weighted: { strategy: 'weighted', targets: leaves((index) => ({ weight: index + 1 })) },
    'round-robin': { strategy: 'round-robin', targets: leaves() },
    fallback: { strategy: 'fallback', targets: leaves() },
    'least-latency': { strategy: 'least-latency', targets: leaves() },
    'lowest-cost': { strategy: 'lowest-cost', targets: leaves() },
    'quality-first': { strategy: 'quality-first', targets: leaves((index) => ({ score: 10 - index })) },
    'least-busy': { strategy: 'least-busy', targets: leaves() },
    'budget-aware': { strategy: 'budget-aware', targets: leaves() },
    conditional: {
      strategy: 'conditional',
      rules: [
        { when: { 'metadata.tier': 'premium' }, target: 0 },
        { when: { 'headers.x-team': { in: ['research', 'eval'] } }, target: 1 },
        { when: { estimatedInputTokens: { gt: 50_000 } }, target: 2 },
        { when: { hasTools: true, stream: true }, target: 3 },
      ],
      default: 4,
      targets: leaves(),
    },
    nested: {
      strategy: 'conditional',
      rules: [{ when: { 'metadata.tier': 'premium' }, target: 0 }],
      default: 1,
      targets: [
        { strategy: 'quality-first', targets: leaves((index) => ({ score: index })) },
        {
          strategy: 'fallback',
          targets: [
            { strategy: 'least-latency', targets: leaves() },
            { strategy: 'weighted', targets: leaves((index) => ({ weight: index + 1 })) },
          ],
        },
      ],
    },
  },
});

/** A request as a client would send it: a short conversation with a system prompt. */
const request = {
  model: 'route',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: [{ type: 'text', text: 'Summarise the attached paragraph in one sentence. '.repeat(20) }] },
  ],
  sampling: { maxTokens: 256 },
  stream: true,
  includeUsage: false,
  metadata: { tier: 'free' },
} as unknown as ChatRequest;

/** Times each call of `call` on its own, in microseconds. */
function timeEach(count: number, call: () => unknown): number[] {
  const samples = new Array<number>(count);
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint();
    call();
    samples[index] = Number(process.hrtime.bigint() - started) / 1000;
  }
  return samples;
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  const statistics = new StatisticsTracker();
  const resolver = new RouteResolver(config.routes, new ModelCatalog(config.providers), {
    random: Math.random,
    profiles: new ConfiguredDeploymentProfiles(config.providers),
  });
  // Every deployment measured, some busy: the strategies read real statistics.
  MODELS.forEach((model, index) => {
    const deployment = { id: `openai/${model}`, providerId: 'openai', model };
    statistics.record({
      attempts: [{ deployment, routePath: '', retry: 0, outcome: 'succeeded', durationMs: 200 + 50 * index, timeToFirstTokenMs: 80 + 10 * index }],
    });
    for (let busy = 0; busy < index; busy += 1) statistics.started(deployment.id);
  });
  const features: RequestFeatures = chatRequestFeatures(request, { 'x-team': 'sales' });

  await context.quiet.wait();
  const rows: { route: string; summary: LatencySummary }[] = [];
  for (const route of Object.keys(config.routes)) {
    context.progress(`${route}: ${integer(settings.warmup)} warm-up, ${integer(settings.calls)} measured`);
    const routeFeatures = { ...features, model: route };
    timeEach(settings.warmup, () => resolver.resolve(route, routeFeatures, statistics));
    rows.push({ route, summary: summarizeLatencies(timeEach(settings.calls, () => resolver.resolve(route, routeFeatures, statistics))) });
  }
  const worst = Math.max(...rows.map((row) => row.summary.p99));
  const lines = [
    '### Routing decision',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- route-decision${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    '`RouteResolver.resolve(alias, features, statistics)` in one process, each call timed on its own, in microseconds: ' +
      'one alias per strategy over five deployments (live statistics from a `StatisticsTracker`, prices from the config), ' +
      'and `nested` (conditional → fallback → least-latency and weighted). The features are built once, as the gateway does per request.',
    '',
    microsecondTable(
      'route',
      rows.map((row) => ({ name: row.route, summary: row.summary })),
    ),
    '',
    `Slowest p99: ${microseconds(worst)} µs (target ≤ ${TARGET_P99_MICROSECONDS} µs): ${worst <= TARGET_P99_MICROSECONDS ? 'met' : 'NOT met'}.`,
  ];
  return { markdown: lines.join('\n') };
}

export const routeDecision: Scenario = {
  name: 'route-decision',
  summary: `µs per routing decision, one route per strategy (target ≤ ${TARGET_P99_MICROSECONDS} µs p99)`,
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
