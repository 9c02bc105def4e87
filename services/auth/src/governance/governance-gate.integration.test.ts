import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ANONYMOUS_PRINCIPAL, configSchema, type Admission } from '@switchyard/shared';
import { freePort } from '../../../../test/support/infrastructure';
import { openGovernanceGate, type OpenedGovernance } from './open-governance-gate';

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; component?: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const request = { workspace: 'team-a', user: 'alice', model: 'gpt-4o-mini', estimatedTokens: { input: 10, output: 10 } };

describe('the governance gate when Redis is down', () => {
  let opened: OpenedGovernance | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  async function openAgainstStoppedPort(onRedisFailure: 'open' | 'closed') {
    // A port nothing listens on: every connection is refused, as when Redis is stopped.
    const port = await freePort();
    const config = configSchema.parse({
      governance: {
        redisUrl: `redis://127.0.0.1:${port}`,
        onRedisFailure,
        rateLimits: [{ scope: 'workspace', requestsPerMinute: 1 }],
        budgets: [{ scope: 'workspace', limitUsd: 1, period: 'day' }],
      },
    }).governance;
    const { logger, lines } = capturingLogger();
    opened = await openGovernanceGate(config, { logger, registry: new Registry() });
    if (!opened) throw new Error('a gate was expected');
    return { gate: opened.gate, metrics: opened.metrics, lines };
  }

  it('fails open by default: admits, logs a warning once, counts every failure', async () => {
    const { gate, metrics, lines } = await openAgainstStoppedPort('open');
    const admissions: Admission[] = [];
    // Twice the limit: nothing can count them, so all are admitted.
    for (let index = 0; index < 2; index++) admissions.push(await gate.admit(ANONYMOUS_PRINCIPAL, request));
    expect(admissions.map((admission) => admission.admitted)).toEqual([true, true]);
    expect(admissions[0].headers).toEqual({});
    expect(await metrics.storeFailureCount('rate_limits', 'admitted')).toBe(2);
    expect(await metrics.storeFailureCount('budgets', 'admitted')).toBe(2);
    const warnings = lines.filter((line) => line.msg.startsWith('governance-store-unavailable'));
    expect(warnings.map((line) => [line.level, line.component])).toEqual([
      [40, 'budgets'],
      [40, 'rate_limits'],
    ]);
    expect(warnings[0].msg).toContain('fail open');
  });

  it('fails closed when configured: 503 governance_unavailable, before any upstream call', async () => {
    const { gate, metrics } = await openAgainstStoppedPort('closed');
    const admission = await gate.admit(ANONYMOUS_PRINCIPAL, request);
    expect(admission.admitted).toBe(false);
    if (admission.admitted) return;
    expect(admission.error).toMatchObject({ status: 503, code: 'governance_unavailable', errorClass: 'unavailable' });
    expect(await metrics.storeFailureCount('budgets', 'refused')).toBe(1);
  });
});

describe('opening the governance gate', () => {
  it('gives none when the config sets no limit and no budget', async () => {
    const { logger } = capturingLogger();
    expect(await openGovernanceGate(configSchema.parse({}).governance, { logger })).toBeUndefined();
  });

  it('refuses a Redis URL whose variable is not set, naming the path, rather than using a default Redis', async () => {
    const { logger } = capturingLogger();
    const config = configSchema.parse({
      governance: { redisUrl: '${GOVERNANCE_TEST_REDIS_URL}', rateLimits: [{ scope: 'key', requestsPerMinute: 1 }] },
    }).governance;
    await expect(openGovernanceGate(config, { logger, env: {} })).rejects.toThrow(
      'governance.redisUrl: environment variable GOVERNANCE_TEST_REDIS_URL is not set',
    );
  });

  it('refuses a password written into the Redis URL', () => {
    const parsed = configSchema.safeParse({ governance: { redisUrl: 'redis://:hunter2@127.0.0.1:6379' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].path).toEqual(['governance', 'redisUrl']);
    expect(JSON.stringify(parsed.error?.issues)).not.toContain('hunter2');
  });
});
