import { seededRandom } from './__fixtures__/simulated-traffic';
import { armAt, assignArm, stickyPoint } from './arm-assignment';
import { DEFAULT_STOPPING, type Experiment } from './experiment-model';

function experiment(overrides: Partial<Experiment> = {}): Experiment {
  return {
    id: 'exp_1',
    organization: 'acme',
    workspace: 'support',
    name: 'greeting',
    target: { prompt: 'greeting' },
    arms: [
      { name: 'control', promptVersion: 1, weight: 3 },
      { name: 'treatment', promptVersion: 2, model: 'gpt-4o-mini', weight: 1 },
    ],
    assignment: 'weighted',
    metric: { kind: 'latency', goal: 'minimize' },
    stopping: DEFAULT_STOPPING,
    status: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'owner',
    ...overrides,
  };
}

function shares(arms: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const arm of arms) counts[arm] = (counts[arm] ?? 0) + 1 / arms.length;
  return counts;
}

describe('assignArm', () => {
  it('splits weighted traffic by the arms’ weights and carries the arm’s version and model', () => {
    const random = seededRandom(42);
    const assignments = Array.from({ length: 20_000 }, (_, index) => assignArm(experiment(), { requestId: `r${index}` }, random));
    const split = shares(assignments.map((assignment) => assignment.arm));
    expect(split.control).toBeCloseTo(0.75, 1);
    expect(split.treatment).toBeCloseTo(0.25, 1);
    expect(assignments.find((assignment) => assignment.arm === 'treatment')).toEqual({
      experimentId: 'exp_1',
      arm: 'treatment',
      promptVersion: 2,
      model: 'gpt-4o-mini',
    });
  });

  it('keeps every user on one arm, in any process, whatever the random source, and still splits users by weight', () => {
    const sticky = experiment({ assignment: 'sticky_user' });
    const users = Array.from({ length: 4_000 }, (_, index) => `user-${index}`);
    const first = users.map((user) => assignArm(sticky, { user, requestId: 'a' }, seededRandom(1)).arm);
    // Another process: its own copy of the experiment and another random source, many requests per user.
    const copy: Experiment = JSON.parse(JSON.stringify(sticky));
    const random = seededRandom(99);
    for (let round = 0; round < 5; round += 1) {
      const again = users.map((user) => assignArm(copy, { user, sessionId: `s-${round}`, requestId: `r${round}` }, random).arm);
      expect(again).toEqual(first);
    }
    const split = shares(first);
    expect(split.control).toBeCloseTo(0.75, 1);
    expect(split.treatment).toBeCloseTo(0.25, 1);
  });

  it('keys a session split on the session, and draws at random for a request without one', () => {
    const bySession = experiment({ assignment: 'sticky_session' });
    const arms = new Set(
      Array.from({ length: 50 }, (_, index) => assignArm(bySession, { user: `u${index}`, sessionId: 'session-7', requestId: `${index}` }).arm),
    );
    expect(arms.size).toBe(1);
    const draws = [0.1, 0.9];
    const drawn = draws.map((point) => assignArm(bySession, { requestId: 'x' }, () => point).arm);
    expect(drawn).toEqual(['control', 'treatment']);
  });

  it('sends everything to the winner once the experiment is stopped', () => {
    const stopped = experiment({ status: 'stopped', winner: 'treatment', assignment: 'sticky_user' });
    for (const user of ['a', 'b', 'c', 'd', 'e', 'f']) expect(assignArm(stopped, { user, requestId: user }).arm).toBe('treatment');
  });

  it('maps points to arms by cumulative weight, and hashes to a point in [0, 1)', () => {
    const arms = experiment().arms;
    expect(armAt(arms, 0).name).toBe('control');
    expect(armAt(arms, 0.7499).name).toBe('control');
    expect(armAt(arms, 0.75).name).toBe('treatment');
    expect(armAt(arms, 0.999999).name).toBe('treatment');
    const point = stickyPoint('exp_1', 'user-1');
    expect(point).toBeGreaterThanOrEqual(0);
    expect(point).toBeLessThan(1);
    expect(stickyPoint('exp_1', 'user-1')).toBe(point);
    expect(stickyPoint('exp_2', 'user-1')).not.toBe(point);
  });
});
