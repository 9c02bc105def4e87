import { normal, RunningSample, seededRandom } from './__fixtures__/simulated-traffic';
import { DEFAULT_STOPPING, type ExperimentMetric } from './experiment-model';
import { sequentialTest, type ArmSample } from './sequential-test';

const minimize: Pick<ExperimentMetric, 'goal'> = { goal: 'minimize' };
const maximize: Pick<ExperimentMetric, 'goal'> = { goal: 'maximize' };

/**
 * Simulated traffic: each round sends one request to every arm, draws its
 * metric from the arm's distribution, and reads the test every `lookEvery`
 * rounds, stopping at the first winner (as an operator polling the results
 * would). Returns the winner and the round it was found in, or undefined.
 */
function simulate(
  arms: Record<string, (random: () => number) => number>,
  seed: number,
  goal: Pick<ExperimentMetric, 'goal'>,
  maximumRounds = 2_000,
  lookEvery = 10,
): { winner?: string; rounds: number; confidence: number } {
  const random = seededRandom(seed);
  const samples = Object.fromEntries(Object.keys(arms).map((arm) => [arm, new RunningSample()]));
  for (let round = 1; round <= maximumRounds; round += 1) {
    for (const [arm, draw] of Object.entries(arms)) samples[arm].add(draw(random));
    if (round % lookEvery !== 0) continue;
    const result = sequentialTest(armSamples(samples), goal, DEFAULT_STOPPING);
    if (result.winner !== undefined) return { winner: result.winner, rounds: round, confidence: result.confidence };
  }
  return { rounds: maximumRounds, confidence: 0 };
}

function armSamples(samples: Record<string, RunningSample>): ArmSample[] {
  return Object.entries(samples).map(([arm, sample]) => ({ arm, count: sample.count, mean: sample.mean, variance: sample.variance }));
}

describe('sequentialTest (mSPRT)', () => {
  it('finds the faster arm in every seeded run, with at least the stated confidence', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const found = simulate(
        {
          control: (random) => normal(random, 120, 30),
          faster: (random) => normal(random, 100, 30),
        },
        seed,
        minimize,
      );
      expect(found.winner).toBe('faster');
      expect(found.confidence).toBeGreaterThanOrEqual(DEFAULT_STOPPING.confidence);
    }
  });

  it('declares a winner between two identical arms in no more than 1 − confidence of runs, however often it is read', () => {
    const runs = 200;
    let falseWinners = 0;
    for (let seed = 1; seed <= runs; seed += 1) {
      const found = simulate({ a: (random) => normal(random, 100, 30), b: (random) => normal(random, 100, 30) }, 10_000 + seed, minimize, 1_000);
      if (found.winner !== undefined) falseWinners += 1;
    }
    expect(falseWinners / runs).toBeLessThanOrEqual(1 - DEFAULT_STOPPING.confidence);
  });

  it('compares proportions: the arm with fewer errors wins', () => {
    for (let seed = 1; seed <= 10; seed += 1) {
      const found = simulate(
        { control: (random) => (random() < 0.2 ? 1 : 0), treatment: (random) => (random() < 0.1 ? 1 : 0) },
        seed,
        minimize,
        5_000,
      );
      expect(found.winner).toBe('treatment');
    }
  });

  it('picks the best of three arms when the goal is to maximize a score', () => {
    const found = simulate(
      {
        a: (random) => normal(random, 0.6, 0.2),
        b: (random) => normal(random, 0.7, 0.2),
        c: (random) => normal(random, 0.6, 0.2),
      },
      7,
      maximize,
    );
    expect(found.winner).toBe('b');
  });

  it('names no winner before every arm has the minimum number of requests, however large the difference', () => {
    const samples: ArmSample[] = [
      { arm: 'a', count: 29, mean: 10, variance: 1 },
      { arm: 'b', count: 500, mean: 100, variance: 1 },
    ];
    const result = sequentialTest(samples, minimize, DEFAULT_STOPPING);
    expect(result.leader).toBe('a');
    expect(result.enoughSamples).toBe(false);
    expect(result.winner).toBeUndefined();
    expect(result.confidence).toBeGreaterThan(0.99);
    expect(sequentialTest([{ ...samples[0], count: 30 }, samples[1]], minimize, DEFAULT_STOPPING).winner).toBe('a');
  });

  it('reports no leader without data and no evidence between identical constant arms', () => {
    expect(sequentialTest([{ arm: 'a', count: 0, mean: 0, variance: 0 }], minimize, DEFAULT_STOPPING)).toEqual({
      method: 'mSPRT',
      confidence: 0,
      enoughSamples: false,
      comparisons: [],
    });
    const flat = sequentialTest(
      [
        { arm: 'a', count: 100, mean: 0, variance: 0 },
        { arm: 'b', count: 100, mean: 0, variance: 0 },
      ],
      minimize,
      DEFAULT_STOPPING,
    );
    expect(flat.winner).toBeUndefined();
    expect(flat.confidence).toBe(0);
  });
});
