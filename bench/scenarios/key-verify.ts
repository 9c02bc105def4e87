/**
 * Scenario `key-verify`: what checking a virtual API key costs the gateway,
 * in process, the way its request listener calls it (`await verifier.verify`):
 *   - cache hit: a key verified before (the common case; target ≤ 20 µs p50);
 *   - malformed: refused on its shape, before any lookup;
 *   - cache miss: a key seen for the first time, looked up in the database
 *     (PGlite in memory, in this process).
 * Runs the built code (services/auth/dist). Each call is timed on its own
 * with process.hrtime.bigint(); percentiles are nearest-rank.
 */

import { performance } from 'node:perf_hooks';
import { ApiKeyVerifier, InProcessKeyInvalidationBus, KeyService, openGovernanceStore, resolveKeyHashSecret } from '@switchyard/auth';
import { createPgliteClient } from '@switchyard/database';
import { summarizeLatencies, type LatencySummary } from '../harness/latency-summary';
import { describeRun } from '../harness/machine-info';
import { integer, microseconds, microsecondTable } from '../harness/markdown';
import type { Scenario, ScenarioContext, ScenarioReport } from '../harness/scenario';

const SETTINGS = {
  full: { hits: 200_000, misses: 2_000, warmup: 20_000 },
  quick: { hits: 20_000, misses: 200, warmup: 2_000 },
};

/** Times each call of `call` on its own, in microseconds. */
async function timeEach(count: number, call: (index: number) => Promise<unknown>): Promise<number[]> {
  const samples = new Array<number>(count);
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint();
    await call(index).catch(() => undefined);
    samples[index] = Number(process.hrtime.bigint() - started) / 1000;
  }
  return samples;
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const settings = context.options.quick ? SETTINGS.quick : SETTINGS.full;
  const started = performance.now();
  const startedAt = new Date();
  context.progress('opening PGlite');
  const client = await createPgliteClient();
  const bus = new InProcessKeyInvalidationBus();
  const rows: { case: string; summary: LatencySummary }[] = [];
  try {
    const store = await openGovernanceStore(client);
    await store.createOrganization({ id: 'bench', displayName: 'Bench', createdBy: 'bench' });
    await store.createWorkspace({ id: 'bench-ws', organization: 'bench', displayName: 'Bench', createdBy: 'bench' });
    const secret = await resolveKeyHashSecret(store, {});
    const keys = new KeyService(store, secret, bus);
    const verifier = new ApiKeyVerifier({ store, secret, invalidations: bus });
    const create = () =>
      keys.create({ workspace: 'bench-ws', name: 'bench', role: 'developer', scopes: { models: ['openai/*'] }, expiresAt: null, createdBy: 'bench' });

    context.progress(`creating ${settings.misses} keys`);
    const fresh: string[] = [];
    for (let index = 0; index < settings.misses; index += 1) fresh.push((await create()).key);
    const { key } = await create();

    await context.quiet.wait();
    context.progress(`cache hits: ${integer(settings.warmup)} warm-up, ${integer(settings.hits)} measured`);
    await timeEach(settings.warmup, () => verifier.verify(key));
    rows.push({ case: 'cache hit', summary: summarizeLatencies(await timeEach(settings.hits, () => verifier.verify(key))) });

    const malformed = 'sk-sy-' + 'x'.repeat(20);
    rows.push({ case: 'malformed (refused on shape)', summary: summarizeLatencies(await timeEach(settings.hits, () => verifier.verify(malformed))) });

    context.progress(`cache misses: ${integer(settings.misses)} keys seen for the first time`);
    rows.push({
      case: 'cache miss (PGlite lookup)',
      summary: summarizeLatencies(await timeEach(settings.misses, (index) => verifier.verify(fresh[index]))),
    });
    verifier.close();
  } finally {
    await bus.close();
    await client.close();
  }
  const hit = rows[0].summary;
  const lines = [
    '### API key verification',
    '',
    `Run ${startedAt.toISOString()}, ${Math.round((performance.now() - started) / 1000)} s, on ${describeRun(context.machine, context.build)}. ` +
      `Command: \`npm run bench -- key-verify${context.options.quick ? ' --quick' : ''}\`.`,
    '',
    '`ApiKeyVerifier.verify` awaited in one process, each call timed on its own, in microseconds. A hit is the shape check, ' +
      'one HMAC-SHA256 and a Map lookup; a miss adds a query on PGlite in memory.',
    '',
    microsecondTable(
      'case',
      rows.map((row) => ({ name: row.case, summary: row.summary })),
    ),
    '',
    `Cache hit p50: ${microseconds(hit.p50)} µs (target ≤ 20 µs): ${hit.p50 <= 20 ? 'met' : 'NOT met'}.`,
  ];
  return { markdown: lines.join('\n') };
}

export const keyVerify: Scenario = {
  name: 'key-verify',
  summary: 'µs per API key check: cache hit (target ≤ 20 µs p50), malformed key, cache miss (PGlite)',
  quietBudgetSeconds: (options) => (options.quick ? 10 : 30),
  run,
};
