import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { configSchema, DEFAULT_COUNTED_FAILURES, type Deployment, type SwitchyardConfig } from '@switchyard/shared';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import { BreakerBoard, type BreakerState } from './breakers/breaker-board';
import { RedisBreakerShare } from './breakers/redis-breaker-share';
import { startResilienceGate, type StartedResilienceGate } from './resilience-gate';

jest.setTimeout(60_000);

/**
 * Two replicas, each its own process, its own attempt gate and its own Redis
 * connections, both built from a config whose `governance.redisUrl` is a
 * reference: this one (jest, from the sources) and a child process running
 * the built code (`dist/`, built before the tests). They must agree on an
 * opened breaker within a second: the poll deadline below is that bound.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const AGREEMENT_MS = 1_000;
const ENV = { TEST_REDIS_URL: REDIS_URL };

const BREAKERS = {
  errorThresholdPercent: 50,
  minimumRequests: 3,
  windowMs: 10_000,
  openMs: 2_000,
  probeTimeoutMs: 5_000,
  countedFailures: [...DEFAULT_COUNTED_FAILURES],
};

function config(breakers: typeof BREAKERS): SwitchyardConfig {
  return configSchema.parse({ governance: { redisUrl: '${TEST_REDIS_URL}' }, breakers });
}

function deployment(id: string): Deployment {
  const [providerId, model] = id.split('/');
  return { id, providerId, model };
}

/** The other replica: answers `state`, `admit` and `record` over IPC. */
const REPLICA_PROGRAM = `
const { configSchema } = require('@switchyard/shared');
const { startResilienceGate } = require(${JSON.stringify(path.join(ROOT, 'services/provider-adapters/dist/resilience'))});
const { env, keyPrefix, breakers } = JSON.parse(process.argv[1]);
const config = configSchema.parse({ governance: { redisUrl: '\${TEST_REDIS_URL}' }, breakers });
const deployment = (id) => ({ id, providerId: id.split('/')[0], model: id.split('/')[1] });
startResilienceGate(config, { keyPools: new Map(), env, redisKeyPrefix: keyPrefix }).then((started) => {
  const { gate } = started;
  process.on('message', async (message) => {
    if (message.type === 'record') {
      for (let index = 0; index < message.times; index += 1) gate.record(deployment(message.deploymentId), { ...message.outcome, durationMs: 1 });
      await started.settled();
    }
    if (message.type === 'admit') return process.send({ id: message.id, value: gate.admit(deployment(message.deploymentId)) });
    if (message.type === 'stop') {
      await started.close();
      return process.disconnect();
    }
    process.send({ id: message.id, value: gate.breakerState(message.deploymentId) });
  });
  process.send({ ready: true, shared: started.shared });
});
`;

interface Replica {
  child: ChildProcess;
  ask(message: Record<string, unknown>): Promise<unknown>;
  state(deploymentId: string): Promise<BreakerState>;
}

const children: ChildProcess[] = [];

async function startReplica(keyPrefix: string, breakers = BREAKERS): Promise<Replica> {
  const child = spawn(process.execPath, ['-e', REPLICA_PROGRAM, JSON.stringify({ env: ENV, keyPrefix, breakers })], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const ready = new Promise<boolean>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the replica exited (${code}) before it was ready`)));
    child.on('message', (message: { ready?: boolean; shared?: boolean; id?: number; value?: unknown }) => {
      if (message.ready) resolve(message.shared === true);
      else if (message.id !== undefined) waiting.get(message.id)?.(message.value);
    });
  });
  expect(await ready).toBe(true);
  const ask = (message: Record<string, unknown>) =>
    new Promise<unknown>((resolve) => {
      const id = (next += 1);
      waiting.set(id, (value) => {
        waiting.delete(id);
        resolve(value);
      });
      child.send({ ...message, id });
    });
  return { child, ask, state: (deploymentId) => ask({ type: 'state', deploymentId }) as Promise<BreakerState> };
}

async function stopReplica(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send({ type: 'stop' });
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
  }
}

async function openHere(started: StartedResilienceGate, deploymentId: string, failure: 'server_error' | 'bad_response' = 'server_error') {
  for (let index = 0; index < BREAKERS.minimumRequests; index += 1)
    started.gate.record(deployment(deploymentId), { ok: false, failure, durationMs: 1 });
  await started.settled();
  expect(started.gate.breakerState(deploymentId)).toBe('open');
}

describe('breakers shared through Redis between two processes', () => {
  // A prefix of the suite's own: other suites on the shared Redis neither hear nor see it.
  const keyPrefix = `switchyard:test:breakers:${randomBytes(6).toString('hex')}`;
  let here: StartedResilienceGate;
  let other: Replica;

  beforeAll(async () => {
    await requireRedis();
    here = await startResilienceGate(config(BREAKERS), { keyPools: new Map(), env: ENV, redisKeyPrefix: keyPrefix });
    expect(here.shared).toBe(true);
    other = await startReplica(keyPrefix);
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopReplica(child)));
    await here?.close();
  });

  it('opens the other replica’s breaker within a second of this one opening', async () => {
    const deploymentId = 'openai/gpt-4o-mini';
    expect(await other.state(deploymentId)).toBe('closed');
    await openHere(here, deploymentId);
    await waitFor(
      () => other.state(deploymentId),
      (state) => state === 'open',
      {
        timeoutMs: AGREEMENT_MS,
        intervalMs: 10,
        what: 'the other replica to open its breaker',
      },
    );
    expect(await other.ask({ type: 'admit', deploymentId })).toBe(false);
  });

  it('opens this replica’s breaker within a second of the other one opening', async () => {
    const deploymentId = 'anthropic/claude-sonnet-4';
    expect(here.gate.breakerState(deploymentId)).toBe('closed');
    await other.ask({ type: 'record', deploymentId, outcome: { ok: false, failure: 'timeout' }, times: BREAKERS.minimumRequests });
    expect(await other.state(deploymentId)).toBe('open');
    await waitFor(
      () => here.gate.breakerState(deploymentId),
      (state) => state === 'open',
      {
        timeoutMs: AGREEMENT_MS,
        intervalMs: 10,
        what: 'this replica to open its breaker',
      },
    );
    expect(here.gate.admit(deployment(deploymentId))).toBe(false);
    expect(here.gate.skipReason(deployment(deploymentId))).toBe('breaker_open');
  });

  it('closes the other replica’s breaker when this one’s probe succeeds', async () => {
    const deploymentId = 'mistral/mistral-small';
    await openHere(here, deploymentId);
    await waitFor(
      () => other.state(deploymentId),
      (state) => state === 'open',
      {
        timeoutMs: AGREEMENT_MS,
        intervalMs: 10,
        what: 'the open to reach the other replica',
      },
    );
    await waitFor(
      () => here.gate.breakerState(deploymentId),
      (state) => state === 'half_open',
      {
        timeoutMs: BREAKERS.openMs * 5,
        intervalMs: 20,
        what: 'this replica to half-open after openMs',
      },
    );
    expect(here.gate.admit(deployment(deploymentId))).toBe(true);
    here.gate.record(deployment(deploymentId), { ok: true, durationMs: 1 });
    await here.settled();
    expect(here.gate.breakerState(deploymentId)).toBe('closed');
    // Without the message the other replica would stay open or half-open: neither closes by itself.
    await waitFor(
      () => other.state(deploymentId),
      (state) => state === 'closed',
      {
        timeoutMs: AGREEMENT_MS,
        intervalMs: 10,
        what: 'the other replica to close its breaker',
      },
    );
  });

  it('opens, in a replica that starts later, the breakers already open', async () => {
    // Breakers that stay open long enough for a process to start on a loaded machine, under a prefix of their own.
    const breakers = { ...BREAKERS, openMs: 120_000 };
    const latePrefix = `${keyPrefix}:late`;
    const early = await startResilienceGate(config(breakers), { keyPools: new Map(), env: ENV, redisKeyPrefix: latePrefix });
    try {
      const deploymentId = 'gemini/gemini-2.5-flash';
      await openHere(early, deploymentId, 'bad_response');
      const late = await startReplica(latePrefix, breakers);
      expect(await late.state(deploymentId)).toBe('open');
      expect(await late.state('openai/never-failed')).toBe('closed');
      await stopReplica(late.child);
    } finally {
      await early.close();
    }
  });
});

describe('breakers when Redis cannot be reached', () => {
  it('start without it and keep working in the process', async () => {
    const board = new BreakerBoard(BREAKERS);
    // Nothing listens on port 1: the share gives up waiting and the breakers stay this process's own.
    const share = await RedisBreakerShare.connect({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'switchyard:test:unreachable',
      board,
      openMs: BREAKERS.openMs,
      // Commands fail at once rather than queue for a connection that will not come.
      redisOptions: { enableOfflineQueue: false },
    });
    try {
      for (let index = 0; index < BREAKERS.minimumRequests; index += 1) board.record('openai/gpt-4o-mini', { ok: false, failure: 'connection' });
      await board.settled();
      expect(board.state('openai/gpt-4o-mini')).toBe('open');
      await share.settled();
    } finally {
      await share.close();
      board.close();
    }
  });
});
