import { DEFAULT_COUNTED_FAILURES } from '@switchyard/shared';
import { BreakerBoard, MAX_BREAKERS, type BreakerSettings, type BreakerTransition } from './breaker-board';

const SETTINGS: BreakerSettings = {
  errorThresholdPercent: 50,
  minimumRequests: 4,
  windowMs: 10_000,
  openMs: 30_000,
  probeTimeoutMs: 5_000,
  countedFailures: [...DEFAULT_COUNTED_FAILURES],
};

const DEPLOYMENT = 'openai/gpt-4o-mini';

describe('BreakerBoard (opossum per deployment, on an injected clock)', () => {
  let board: BreakerBoard;
  let transitions: BreakerTransition[];

  beforeEach(() => {
    // opossum's window buckets and reset timer, and Date.now, all run on jest's clock.
    jest.useFakeTimers();
    board = new BreakerBoard(SETTINGS);
    transitions = [];
    board.onTransition((transition) => transitions.push(transition));
  });

  afterEach(() => {
    board.close();
    jest.useRealTimers();
  });

  async function fail(times: number, failure: Parameters<BreakerBoard['record']>[1]['failure'] = 'server_error'): Promise<void> {
    for (let index = 0; index < times; index += 1) board.record(DEPLOYMENT, { ok: false, failure });
    await board.settled();
  }

  async function succeed(times: number): Promise<void> {
    for (let index = 0; index < times; index += 1) board.record(DEPLOYMENT, { ok: true });
    await board.settled();
  }

  it('stays closed below the minimum volume, however many of the attempts failed', async () => {
    await fail(3);
    expect(board.state(DEPLOYMENT)).toBe('closed');
    expect(board.admit(DEPLOYMENT)).toBe(true);
  });

  it('opens once the volume is reached with more than the threshold failing, and refuses attempts', async () => {
    await succeed(1);
    await fail(3);
    expect(board.state(DEPLOYMENT)).toBe('open');
    expect(board.admit(DEPLOYMENT)).toBe(false);
    expect(board.states()).toEqual({ [DEPLOYMENT]: 'open' });
    expect(transitions).toEqual([{ deploymentId: DEPLOYMENT, state: 'open', remote: false }]);
  });

  it('stays closed at an error ratio at the threshold, not above it', async () => {
    await succeed(2);
    await fail(2);
    expect(board.state(DEPLOYMENT)).toBe('closed');
  });

  it('does not count failures that are the request’s or the account’s doing', async () => {
    for (const failure of ['client_error', 'rate_limit', 'context_length', 'content_policy', 'cancelled'] as const) await fail(4, failure);
    expect(board.state(DEPLOYMENT)).toBe('closed');
    expect(board.states()).toEqual({});
  });

  it('counts each kind of deployment failure', async () => {
    for (const failure of ['server_error', 'timeout', 'connection', 'bad_response'] as const) {
      const own = new BreakerBoard(SETTINGS);
      try {
        for (let index = 0; index < 4; index += 1) own.record(DEPLOYMENT, { ok: false, failure });
        await own.settled();
        expect([failure, own.state(DEPLOYMENT)]).toEqual([failure, 'open']);
      } finally {
        own.close();
      }
    }
  });

  it('forgets failures that left the rolling window', async () => {
    await fail(3);
    jest.advanceTimersByTime(SETTINGS.windowMs + 1_000);
    await succeed(3);
    await fail(1);
    expect(board.state(DEPLOYMENT)).toBe('closed');
  });

  it('half-opens after openMs and lets exactly one probe through; its success closes the breaker', async () => {
    await fail(4);
    jest.advanceTimersByTime(SETTINGS.openMs - 1);
    expect(board.state(DEPLOYMENT)).toBe('open');
    jest.advanceTimersByTime(1);
    expect(board.state(DEPLOYMENT)).toBe('half_open');
    expect(board.admit(DEPLOYMENT)).toBe(true);
    expect(board.admit(DEPLOYMENT)).toBe(false);
    await succeed(1);
    expect(board.state(DEPLOYMENT)).toBe('closed');
    expect(board.admit(DEPLOYMENT)).toBe(true);
    expect(transitions.map((transition) => transition.state)).toEqual(['open', 'half_open', 'closed']);
  });

  it('reopens when the probe fails, for another openMs', async () => {
    await fail(4);
    jest.advanceTimersByTime(SETTINGS.openMs);
    expect(board.admit(DEPLOYMENT)).toBe(true);
    await fail(1);
    expect(board.state(DEPLOYMENT)).toBe('open');
    expect(board.admit(DEPLOYMENT)).toBe(false);
    jest.advanceTimersByTime(SETTINGS.openMs);
    expect(board.state(DEPLOYMENT)).toBe('half_open');
    expect(transitions.map((transition) => transition.state)).toEqual(['open', 'half_open', 'open', 'half_open']);
  });

  it('gives the probe slot to another attempt when the probe never reports, or reports nothing about health', async () => {
    await fail(4);
    jest.advanceTimersByTime(SETTINGS.openMs);
    expect(board.admit(DEPLOYMENT)).toBe(true);
    jest.advanceTimersByTime(SETTINGS.probeTimeoutMs - 1);
    expect(board.admit(DEPLOYMENT)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(board.admit(DEPLOYMENT)).toBe(true);
    // A 400 says the deployment answered, not how healthy it is: the slot is free again, the breaker still half-open.
    board.record(DEPLOYMENT, { ok: false, failure: 'client_error' });
    expect(board.state(DEPLOYMENT)).toBe('half_open');
    expect(board.admit(DEPLOYMENT)).toBe(true);
  });

  it('ignores late reports of attempts admitted before the breaker opened', async () => {
    await fail(4);
    await succeed(3);
    expect(board.state(DEPLOYMENT)).toBe('open');
    expect(board.admit(DEPLOYMENT)).toBe(false);
  });

  it('applies another replica’s open and close, marked remote', async () => {
    board.applyRemote(DEPLOYMENT, 'open');
    expect(board.state(DEPLOYMENT)).toBe('open');
    expect(board.admit(DEPLOYMENT)).toBe(false);
    board.applyRemote(DEPLOYMENT, 'closed');
    expect(board.state(DEPLOYMENT)).toBe('closed');
    expect(transitions).toEqual([
      { deploymentId: DEPLOYMENT, state: 'open', remote: true },
      { deploymentId: DEPLOYMENT, state: 'closed', remote: true },
    ]);
    // A remote open still half-opens on this replica's own clock.
    board.applyRemote(DEPLOYMENT, 'open');
    jest.advanceTimersByTime(SETTINGS.openMs);
    expect(board.state(DEPLOYMENT)).toBe('half_open');
  });

  it('holds at most MAX_BREAKERS, dropping the oldest closed one and keeping the open ones', async () => {
    await fail(3);
    for (let index = 0; index < 4; index += 1) board.record('sick/model', { ok: false, failure: 'timeout' });
    await board.settled();
    for (let index = 0; index < MAX_BREAKERS; index += 1) board.record(`any/model-${index}`, { ok: true });
    await board.settled();
    expect(board.state('sick/model')).toBe('open');
    // The first deployment's three failures went with its breaker: one more does not reach the minimum volume.
    await fail(1);
    expect(board.state(DEPLOYMENT)).toBe('closed');
  });

  it('keeps deployments apart', async () => {
    await fail(4);
    expect(board.admit('anthropic/claude-sonnet-4')).toBe(true);
    expect(board.state('anthropic/claude-sonnet-4')).toBe('closed');
  });
});
