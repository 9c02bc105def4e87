import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { DEFAULT_COUNTED_FAILURES } from '@switchyard/shared';
import { REDIS_URL, requireRedis } from '../../../../../test/support/infrastructure';
import { waitFor } from '../../../../../test/support/wait-for';
import { BreakerBoard, type BreakerSettings, type BreakerState } from './breaker-board';
import { RedisBreakerShare } from './redis-breaker-share';

jest.setTimeout(60_000);

/**
 * Two replicas, each its own process, its own breakers and its own Redis
 * connections: this one (jest, from the sources) and a child process running
 * the built code (`dist/`, built before the tests). They must agree on an
 * opened breaker within a second: the poll deadline below is that bound.
 */

const ROOT = path.resolve(__dirname, '../../../../..');
const AGREEMENT_MS = 1_000;

const SETTINGS: BreakerSettings = {
  errorThresholdPercent: 50,
  minimumRequests: 3,
  windowMs: 10_000,
  openMs: 2_000,
  probeTimeoutMs: 5_000,
  countedFailures: [...DEFAULT_COUNTED_FAILURES],
};

/** The other replica: answers `state`, `admit` and `record` over IPC. */
const REPLICA_PROGRAM = `
const { BreakerBoard, RedisBreakerShare } = require(${JSON.stringify(path.join(ROOT, 'services/provider-adapters/dist/resilience'))});
const { url, keyPrefix, settings } = JSON.parse(process.argv[1]);
const board = new BreakerBoard(settings);
RedisBreakerShare.connect({ url, keyPrefix, board, openMs: settings.openMs }).then((share) => {
  process.on('message', async (message) => {
    if (message.type === 'record') {
      for (let index = 0; index < message.times; index += 1) board.record(message.deploymentId, message.outcome);
      await board.settled();
    }
    if (message.type === 'admit') return process.send({ id: message.id, value: board.admit(message.deploymentId) });
    if (message.type === 'stop') {
      await share.close();
      board.close();
      return process.disconnect();
    }
    process.send({ id: message.id, value: board.state(message.deploymentId) });
  });
  process.send({ ready: true });
});
`;

interface Replica {
  child: ChildProcess;
  ask(message: Record<string, unknown>): Promise<unknown>;
  state(deploymentId: string): Promise<BreakerState>;
}

const children: ChildProcess[] = [];

async function startReplica(keyPrefix: string, settings: BreakerSettings = SETTINGS): Promise<Replica> {
  const child = spawn(process.execPath, ['-e', REPLICA_PROGRAM, JSON.stringify({ url: REDIS_URL, keyPrefix, settings })], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the replica exited (${code}) before it was ready`)));
    child.on('message', (message: { ready?: boolean; id?: number; value?: unknown }) => {
      if (message.ready) resolve();
      else if (message.id !== undefined) waiting.get(message.id)?.(message.value);
    });
  });
  await ready;
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

describe('breakers shared through Redis between two processes', () => {
  // A prefix of the suite's own: other suites on the shared Redis neither hear nor see it.
  const keyPrefix = `switchyard:test:breakers:${randomBytes(6).toString('hex')}`;
  let board: BreakerBoard;
  let share: RedisBreakerShare;
  let other: Replica;

  beforeAll(async () => {
    await requireRedis();
    board = new BreakerBoard(SETTINGS);
    share = await RedisBreakerShare.connect({ url: REDIS_URL, keyPrefix, board, openMs: SETTINGS.openMs });
    other = await startReplica(keyPrefix);
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopReplica(child)));
    await share?.close();
    board?.close();
  });

  async function openHere(deploymentId: string): Promise<void> {
    for (let index = 0; index < SETTINGS.minimumRequests; index += 1) board.record(deploymentId, { ok: false, failure: 'server_error' });
    await board.settled();
    expect(board.state(deploymentId)).toBe('open');
  }

  it('opens the other replica’s breaker within a second of this one opening', async () => {
    const deploymentId = 'openai/gpt-4o-mini';
    expect(await other.state(deploymentId)).toBe('closed');
    await openHere(deploymentId);
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
    expect(board.state(deploymentId)).toBe('closed');
    await other.ask({ type: 'record', deploymentId, outcome: { ok: false, failure: 'timeout' }, times: SETTINGS.minimumRequests });
    expect(await other.state(deploymentId)).toBe('open');
    await waitFor(
      () => board.state(deploymentId),
      (state) => state === 'open',
      {
        timeoutMs: AGREEMENT_MS,
        intervalMs: 10,
        what: 'this replica to open its breaker',
      },
    );
    expect(board.admit(deploymentId)).toBe(false);
  });

  it('closes the other replica’s breaker when this one’s probe succeeds', async () => {
    const deploymentId = 'mistral/mistral-small';
    await openHere(deploymentId);
    await waitFor(
      () => other.state(deploymentId),
      (state) => state === 'open',
      { timeoutMs: AGREEMENT_MS, intervalMs: 10, what: 'the open to reach the other replica' },
    );
    await waitFor(
      () => board.state(deploymentId),
      (state) => state === 'half_open',
      {
        timeoutMs: SETTINGS.openMs * 5,
        intervalMs: 20,
        what: 'this replica to half-open after openMs',
      },
    );
    expect(board.admit(deploymentId)).toBe(true);
    board.record(deploymentId, { ok: true });
    await board.settled();
    expect(board.state(deploymentId)).toBe('closed');
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
    const settings = { ...SETTINGS, openMs: 120_000 };
    const latePrefix = `${keyPrefix}:late`;
    const lateBoard = new BreakerBoard(settings);
    const lateShare = await RedisBreakerShare.connect({ url: REDIS_URL, keyPrefix: latePrefix, board: lateBoard, openMs: settings.openMs });
    try {
      const deploymentId = 'gemini/gemini-2.5-flash';
      for (let index = 0; index < settings.minimumRequests; index += 1) lateBoard.record(deploymentId, { ok: false, failure: 'bad_response' });
      await lateBoard.settled();
      await lateShare.settled();
      expect(lateBoard.state(deploymentId)).toBe('open');
      const late = await startReplica(latePrefix, settings);
      expect(await late.state(deploymentId)).toBe('open');
      expect(await late.state('openai/never-failed')).toBe('closed');
      await stopReplica(late.child);
    } finally {
      await lateShare.close();
      lateBoard.close();
    }
  });
});

describe('breakers when Redis cannot be reached', () => {
  it('start without it and keep working in the process', async () => {
    const board = new BreakerBoard(SETTINGS);
    // Nothing listens on port 1: the share gives up waiting and the breakers stay this process's own.
    const share = await RedisBreakerShare.connect({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'switchyard:test:unreachable',
      board,
      openMs: SETTINGS.openMs,
      // Commands fail at once rather than queue for a connection that will not come.
      redisOptions: { enableOfflineQueue: false },
    });
    try {
      for (let index = 0; index < SETTINGS.minimumRequests; index += 1) board.record('openai/gpt-4o-mini', { ok: false, failure: 'connection' });
      await board.settled();
      expect(board.state('openai/gpt-4o-mini')).toBe('open');
    } finally {
      await share.close();
      board.close();
    }
  });
});
