import { configSchema, type Deployment, type DeploymentStatistics, type LiveStatistics } from '@switchyard/shared';
import { Registry } from 'prom-client';
import { KeyPool } from './keys/key-pool';
import { startResilienceGate, withBreakerState, type StartedResilienceGate } from './resilience-gate';

const deployment: Deployment = { id: 'openai/gpt-4o-mini', providerId: 'openai', model: 'gpt-4o-mini' };
const other: Deployment = { id: 'anthropic/claude-sonnet-4', providerId: 'anthropic', model: 'claude-sonnet-4' };

function config(breakers: Record<string, unknown> = {}) {
  return configSchema.parse({ breakers: { minimumRequests: 2, ...breakers } });
}

describe('ResilienceGate', () => {
  let started: StartedResilienceGate | undefined;

  afterEach(async () => {
    await started?.close();
    started = undefined;
  });

  async function openBreaker(gate: StartedResilienceGate['gate']): Promise<void> {
    for (let index = 0; index < 2; index += 1) gate.record(deployment, { ok: false, failure: 'connection', durationMs: 3 });
    await gate.board?.settled();
  }

  it('skips a deployment whose breaker is open, as breaker_open, and says so for snapshots and statistics', async () => {
    started = await startResilienceGate(config(), { keyPools: new Map() });
    const { gate } = started;
    expect(started.shared).toBe(false);
    await openBreaker(gate);
    expect(gate.admit(deployment)).toBe(false);
    expect(gate.skipReason(deployment)).toBe('breaker_open');
    expect(gate.breakerOpen(deployment.id)).toBe(true);
    expect(gate.breakerStates()).toEqual({ [deployment.id]: 'open' });
    expect(gate.admit(other)).toBe(true);
  });

  it('skips a deployment whose provider’s keys all cool down, as rate_limit', async () => {
    const pool = new KeyPool({ size: 1, cooldownMs: 60_000 });
    started = await startResilienceGate(config(), { keyPools: new Map([['openai', pool]]) });
    pool.observe(0, 429, {});
    expect(started.gate.admit(deployment)).toBe(false);
    expect(started.gate.skipReason(deployment)).toBe('rate_limit');
    expect(started.gate.admit(other)).toBe(true);
  });

  it('leaves the half-open probe slot to an attempt that can run when the keys are cooling', async () => {
    jest.useFakeTimers();
    try {
      const pool = new KeyPool({ size: 1, cooldownMs: 60_000 });
      started = await startResilienceGate(config({ openMs: 1_000 }), { keyPools: new Map([['openai', pool]]) });
      await openBreaker(started.gate);
      jest.advanceTimersByTime(1_000);
      expect(started.gate.breakerState(deployment.id)).toBe('half_open');
      pool.observe(0, 429, { retryAfterMs: 5_000 });
      expect(started.gate.admit(deployment)).toBe(false);
      expect(started.gate.admit(deployment)).toBe(false);
      jest.advanceTimersByTime(5_000);
      expect(started.gate.admit(deployment)).toBe(true);
      expect(started.gate.admit(deployment)).toBe(false);
      expect(started.gate.skipReason(deployment)).toBe('breaker_open');
    } finally {
      jest.useRealTimers();
    }
  });

  it('admits everything but cooling keys when breakers are disabled', async () => {
    started = await startResilienceGate(config({ enabled: false }), { keyPools: new Map() });
    await openBreaker(started.gate);
    expect(started.gate.admit(deployment)).toBe(true);
    expect(started.gate.breakerStates()).toEqual({});
  });

  it('exports breaker states and cooling keys as metrics', async () => {
    const registry = new Registry();
    const pool = new KeyPool({ size: 2, cooldownMs: 60_000 });
    started = await startResilienceGate(config(), { keyPools: new Map([['openai', pool]]), registry });
    await openBreaker(started.gate);
    pool.observe(1, 429, { retryAfterMs: 5_000 });
    const text = await registry.metrics();
    expect(text).toContain('switchyard_breaker_state{deployment="openai/gpt-4o-mini"} 2');
    expect(text).toContain('switchyard_breaker_transitions_total{deployment="openai/gpt-4o-mini",state="open",origin="local"} 1');
    expect(text).toContain('switchyard_provider_keys_cooling{provider="openai"} 1');
  });
});

describe('withBreakerState', () => {
  const known: DeploymentStatistics = { inFlight: 2, samples: 40, latencyMs: 300, breakerOpen: false };
  const statistics: LiveStatistics = { get: (id) => (id === deployment.id ? known : undefined) };

  it('takes breakerOpen from the gate, and knows nothing more of a deployment it has no statistics for', () => {
    const open = new Set<string>();
    const view = withBreakerState(statistics, { breakerOpen: (id) => open.has(id) });
    expect(view.get(deployment.id)).toBe(known);
    expect(view.get(other.id)).toBeUndefined();
    open.add(deployment.id).add(other.id);
    expect(view.get(deployment.id)).toEqual({ ...known, breakerOpen: true });
    expect(view.get(other.id)).toEqual({ inFlight: 0, samples: 0, breakerOpen: true });
  });
});
