/**
 * Scenario `governance`: what the rate-limit and budget check costs each
 * model request, measured in this process on the built code
 * (services/auth/dist), one call at a time:
 *   - in memory (one process): the GCRA charge alone, then the whole gate
 *     (rules resolved for the principal, requests and tokens charged, headers
 *     built, the reservation settled), without and with a budget;
 *   - through Redis (distributed mode): the same gate over the Redis of
 *     scripts/services.sh (SWITCHYARD_REDIS_URL), next to a bare PING on the
 *     same connection: the difference is what the Lua script adds to a round trip.
 *
 * Each call is timed alone (performance.now around it); p50 of these is the
 * figure the issue sets a target for (key check plus rate-limit check ≤ 20 µs
 * on a cache hit in one process; the key check is measured elsewhere).
 */

import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pino from 'pino';
import {
  BudgetService,
  ConfigBudgetPolicy,
  ConfigRateLimitPolicy,
  GovernanceMetrics,
  LimitsGovernanceGate,
  MemoryRateLimiter,
  MemorySpendStore,
  RateLimitService,
  RedisRateLimiter,
  RedisSpendStore,
  type RateLimiter,
  type SpendStore,
} from '@switchyard/auth';
import { ANONYMOUS_PRINCIPAL, configSchema, type Principal } from '@switchyard/shared';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, table } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const REDIS_URL = process.env.SWITCHYARD_REDIS_URL ?? 'redis://127.0.0.1:56379';
const SETTINGS = { full: { calls: 200_000, redisCalls: 20_000 }, quick: { calls: 20_000, redisCalls: 2_000 } };
/** Distinct keys the calls cycle through: each its own buckets, as many clients are. */
const KEYS = 1_000;

const governance = configSchema.parse({
  governance: {
    // High enough that nothing is refused: the measured path is the common one, an admitted request.
    rateLimits: [
      { scope: 'key', requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000 },
      { scope: 'workspace', requestsPerMinute: 1_000_000_000 },
      { scope: 'model', match: 'gpt-4o*', tokensPerMinute: 1_000_000_000, tokenKind: 'input' },
    ],
    budgets: [{ scope: 'workspace', limitUsd: 1_000_000, period: 'month', timezone: 'Europe/Paris' }],
  },
}).governance;

const principals: Principal[] = Array.from({ length: KEYS }, (_unused, index) => ({
  ...ANONYMOUS_PRINCIPAL,
  kind: 'api_key',
  keyId: `key_${index}`,
  workspace: `workspace-${index % 20}`,
}));
const usage = { inputTokens: 120, outputTokens: 80 };

function gate(limiter: RateLimiter, spend?: SpendStore): LimitsGovernanceGate {
  return new LimitsGovernanceGate({
    rateLimits: new RateLimitService(new ConfigRateLimitPolicy(governance.rateLimits), limiter),
    budgets: spend && new BudgetService(new ConfigBudgetPolicy(governance.budgets), spend),
    onStoreFailure: 'open',
    logger: pino({ level: 'silent' }),
    metrics: new GovernanceMetrics(),
  });
}

/** Times `calls` calls of `call`, one at a time, after a tenth as many unmeasured; in microseconds. */
async function time(calls: number, call: (index: number) => unknown): Promise<LatencySummary> {
  for (let index = 0; index < calls / 10; index++) await call(index);
  const durations = new Float64Array(calls);
  for (let index = 0; index < calls; index++) {
    const started = performance.now();
    await call(index);
    durations[index] = (performance.now() - started) * 1000;
  }
  return summarizeLatencies(Array.from(durations));
}

function admitAndSettle(target: LimitsGovernanceGate) {
  return async (index: number) => {
    const principal = principals[index % KEYS];
    const admission = await target.admit(principal, {
      workspace: principal.workspace,
      user: '',
      model: 'gpt-4o-mini',
      estimatedTokens: { input: 120, output: 256 },
    });
    if (!admission.admitted) throw new Error(`refused: ${admission.error.message}`);
    admission.settle(usage);
  };
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const { options } = context;
  const settings = options.quick ? SETTINGS.quick : SETTINGS.full;
  const startedAt = new Date();
  const rows: Array<{ what: string; calls: number; summary: LatencySummary }> = [];
  const measure = async (what: string, calls: number, call: (index: number) => unknown) => {
    context.progress(what);
    await context.quiet.wait();
    rows.push({ what, calls, summary: await time(calls, call) });
  };

  const memory = new MemoryRateLimiter();
  const charges = principals.map((principal) => [
    { key: `rule0:key:${principal.keyId}:requests`, limit: 1_000_000_000, windowMs: 60_000, cost: 1 },
    { key: `rule0:key:${principal.keyId}:tokens`, limit: 1_000_000_000, windowMs: 60_000, cost: 376 },
  ]);
  await measure('in memory: GCRA charge, 2 buckets', settings.calls, (index) => memory.chargeNow(charges[index % KEYS]));
  await measure('in memory: gate, 3 rules (5 buckets), settled', settings.calls, admitAndSettle(gate(new MemoryRateLimiter())));
  await measure(
    'in memory: gate, 3 rules and a budget, settled',
    settings.calls,
    admitAndSettle(gate(new MemoryRateLimiter(), new MemorySpendStore())),
  );

  const redis = new Redis(REDIS_URL);
  const prefix = `bench:governance:${process.pid}:`;
  try {
    await measure('Redis: PING (the round trip alone)', settings.redisCalls, () => redis.ping());
    await measure(
      'Redis: gate, 3 rules (one script call), settled',
      settings.redisCalls,
      admitAndSettle(gate(new RedisRateLimiter(redis, { keyPrefix: prefix }))),
    );
    await measure(
      'Redis: gate, 3 rules and a budget, settled',
      settings.redisCalls,
      admitAndSettle(gate(new RedisRateLimiter(redis, { keyPrefix: prefix }), new RedisSpendStore(redis, { keyPrefix: prefix }))),
    );
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    for (let start = 0; start < keys.length; start += 1000) await redis.del(...keys.slice(start, start + 1000));
    await redis.quit();
  }

  const microseconds = (value: number) => value.toFixed(1);
  const lines = [
    '### Rate-limit and budget check',
    '',
    `Run ${startedAt.toISOString()} on ${describeRun(context.machine, context.build)}. Command: \`npm run bench -- governance${options.quick ? ' --quick' : ''}\`.`,
    '',
    `Microseconds per call, each call timed alone, one at a time, after a tenth as many unmeasured; ${integer(KEYS)} keys in turn ` +
      '(a key rule with requests and tokens, a workspace rule, a model rule on input tokens). Redis: scripts/services.sh on loopback.',
    '',
    table(
      ['what', 'calls', 'p50 µs', 'p90 µs', 'p99 µs', 'mean µs'],
      rows.map(({ what, calls, summary }) => [
        what,
        integer(calls),
        microseconds(summary.p50),
        microseconds(summary.p90),
        microseconds(summary.p99),
        microseconds(summary.mean),
      ]),
    ),
  ];
  return { markdown: lines.join('\n') };
}

export const governanceCheck: Scenario = {
  name: 'governance',
  summary: 'µs the rate-limit and budget check adds per request, in memory and through Redis',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 60),
  run,
};
