import type { AttemptRecord } from '@switchyard/shared';
import { seededRandom } from '../../../../test/support/seeded-random';
import { StatisticsTracker } from '../statistics';
import { features, names, NO_STATISTICS, sequence, statistics, target } from './__fixtures__/strategy-targets';
import { leastLatencyStrategy } from './least-latency';

const a = target('a');
const b = target('b');
const c = target('c');
const node = (exploration?: number) => ({ strategy: 'least-latency' as const, targets: [], exploration });
const never = { random: sequence() };

describe('leastLatencyStrategy', () => {
  it('ranks every target by its mean latency, fastest first', () => {
    const select = leastLatencyStrategy([a, b, c], never, node(0));
    const known = statistics({ 'provider/a': { latencyMs: 300 }, 'provider/b': { latencyMs: 100 }, 'provider/c': { latencyMs: 200 } });
    expect(names(select(features(), known))).toEqual(['b', 'c', 'a']);
  });

  it('ranks streams by time to first token where it is known', () => {
    const select = leastLatencyStrategy([a, b], never, node(0));
    const known = statistics({
      'provider/a': { latencyMs: 900, timeToFirstTokenMs: 50 },
      'provider/b': { latencyMs: 400, timeToFirstTokenMs: 200 },
    });
    expect(names(select(features({ stream: true }), known))).toEqual(['a', 'b']);
    expect(names(select(features({ stream: false }), known))).toEqual(['b', 'a']);
  });

  it('tries a target not measured yet first, so it gets measured', () => {
    const select = leastLatencyStrategy([a, b, c], never, node(0));
    expect(names(select(features(), statistics({ 'provider/a': { latencyMs: 10 }, 'provider/c': { latencyMs: 5 } })))).toEqual(['b', 'c', 'a']);
    expect(names(select(features(), NO_STATISTICS))).toEqual(['a', 'b', 'c']);
  });

  it('puts a target whose breaker is open last', () => {
    const select = leastLatencyStrategy([a, b], never, node(0));
    const known = statistics({ 'provider/a': { latencyMs: 10, breakerOpen: true }, 'provider/b': { latencyMs: 500 } });
    expect(names(select(features(), known))).toEqual(['b', 'a']);
  });

  it('judges a nested target by its fastest deployment', () => {
    const pool = target('pool', { deployments: ['x/slow', 'x/fast'] });
    const select = leastLatencyStrategy([a, pool], never, node(0));
    const known = statistics({ 'provider/a': { latencyMs: 100 }, 'x/slow': { latencyMs: 900 }, 'x/fast': { latencyMs: 50 } });
    expect(names(select(features(), known))).toEqual(['pool', 'a']);
  });

  it('sends another target first when the draw falls under the exploration share', () => {
    const known = statistics({ 'provider/a': { latencyMs: 100 }, 'provider/b': { latencyMs: 200 }, 'provider/c': { latencyMs: 300 } });
    // 0.04 < 0.05 explores; 0.6 picks the second of the two others (c).
    const select = leastLatencyStrategy([a, b, c], { random: sequence(0.04, 0.6, 0.05) }, node(0.05));
    expect(names(select(features(), known))).toEqual(['c', 'a', 'b']);
    // 0.05 does not.
    expect(names(select(features(), known))).toEqual(['a', 'b', 'c']);
  });

  it('refuses an exploration share outside [0, 1]', () => {
    expect(() => leastLatencyStrategy([a], never, node(1.5))).toThrow('exploration between 0 and 1, got 1.5');
  });

  describe('fed by a StatisticsTracker, as the gateway feeds it', () => {
    /** Sends `count` requests, each to the first target chosen, taking as long as `latencyOf` says. */
    function run(
      select: ReturnType<typeof leastLatencyStrategy<typeof a>>,
      tracker: StatisticsTracker,
      count: number,
      latencyOf: (name: string) => number,
    ): string[] {
      const served: string[] = [];
      for (let request = 0; request < count; request++) {
        const chosen = select(features(), tracker)[0];
        const attempt: AttemptRecord = {
          deployment: chosen.deployments[0],
          routePath: '',
          retry: 0,
          outcome: 'succeeded',
          durationMs: latencyOf(chosen.name),
        };
        tracker.record({ attempts: [attempt], served: 0 });
        served.push(chosen.name);
      }
      return served;
    }

    it('moves traffic away from a slowed deployment within a few requests, and notices its recovery', () => {
      const tracker = new StatisticsTracker();
      const select = leastLatencyStrategy([a, b], { random: seededRandom(7) }, node(0.05));
      const latency: Record<string, number> = { a: 100, b: 150 };

      const warm = run(select, tracker, 200, (name) => latency[name]);
      expect(warm.slice(100).filter((name) => name === 'a').length).toBeGreaterThan(85);

      latency.a = 1_000;
      const slowed = run(select, tracker, 400, (name) => latency[name]);
      // Every request to `a` after it slowed is one more sample: a single one already lifts its mean past b's.
      const firstToB = slowed.indexOf('b');
      expect(firstToB).toBeGreaterThanOrEqual(0);
      expect(firstToB).toBeLessThanOrEqual(3);
      // From then on only exploration reaches a.
      expect(slowed.slice(firstToB).filter((name) => name === 'a').length).toBeLessThan(40);

      latency.a = 100;
      const recovered = run(select, tracker, 1_000, (name) => latency[name]);
      // Exploration samples a again until its mean drops below b's; then it takes the traffic back.
      expect(recovered.slice(800).filter((name) => name === 'a').length).toBeGreaterThan(170);
    });
  });
});
