import type { PlainRouteNode } from '@switchyard/shared';
import { features, names, NO_STATISTICS, sequence, statistics, target } from './__fixtures__/strategy-targets';
import { seededRandom } from '../../../../test/support/seeded-random';
import { weightedStrategy } from './weighted';

const a = target('a');
const b = target('b');
const c = target('c');
const context = { random: Math.random };
const node: PlainRouteNode = { strategy: 'weighted', targets: [] };

describe('weightedStrategy', () => {
  it('chooses in proportion to weight, by the random draw', () => {
    // Weights 1 and 3: draws below 1/4 choose `light`, the rest `heavy`.
    const light = target('light', { weight: 1 });
    const heavy = target('heavy', { weight: 3 });
    const select = weightedStrategy([light, heavy], { random: sequence(0, 0.2499, 0.25, 0.5, 0.9999999) }, { ...node });
    const chosen = Array.from({ length: 5 }, () => names(select(features(), NO_STATISTICS)).join());
    expect(chosen).toEqual(['light', 'light', 'heavy', 'heavy', 'heavy']);
  });

  it('treats equal weights as equal shares', () => {
    const select = weightedStrategy([a, b, c], { random: sequence(0.33, 0.34, 0.66, 0.67) }, { ...node });
    const chosen = Array.from({ length: 4 }, () => select(features(), NO_STATISTICS)[0].name);
    expect(chosen).toEqual(['a', 'b', 'b', 'c']);
  });

  it("gives each target its weight's share within ±5 % over 10,000 picks", () => {
    const targets = [target('a', { weight: 1 }), target('b', { weight: 2 }), target('c', { weight: 7 })];
    // A seeded uniform generator: the same 10,000 draws every run, so the bound is exact, not a matter of luck.
    const select = weightedStrategy(targets, { random: seededRandom(14) }, { ...node });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const picks = 10_000;
    for (let pick = 0; pick < picks; pick++) counts[select(features(), NO_STATISTICS)[0].name]++;
    for (const [name, share] of [
      ['a', 0.1],
      ['b', 0.2],
      ['c', 0.7],
    ] as const) {
      expect(Math.abs(counts[name] / picks - share) / share).toBeLessThanOrEqual(0.05);
    }
  });

  it('comes close to the weights with Math.random too', () => {
    const targets = [target('a', { weight: 1 }), target('b', { weight: 2 }), target('c', { weight: 7 })];
    const select = weightedStrategy(targets, { random: Math.random }, { ...node });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const picks = 10_000;
    for (let pick = 0; pick < picks; pick++) counts[select(features(), NO_STATISTICS)[0].name]++;
    // Five standard deviations or more for each share.
    expect(Math.abs(counts.a / picks - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(counts.b / picks - 0.2)).toBeLessThan(0.025);
    expect(Math.abs(counts.c / picks - 0.7)).toBeLessThan(0.025);
  });

  it('draws again among the others, by their weights, when the one drawn has its breaker open', () => {
    const heavy = target('heavy', { weight: 2 });
    const select = weightedStrategy([a, heavy, c], { random: sequence(0.5, 0.1, 0.5, 0.9) }, { ...node });
    const open = statistics({ 'provider/heavy': { breakerOpen: true } });
    // 0.5 draws `heavy` (open); the redraw over a and c (weights 1, 1): 0.1 → a.
    expect(select(features(), open)[0].name).toBe('a');
    // 0.5 draws `heavy` again; 0.9 → c.
    expect(select(features(), open)[0].name).toBe('c');
  });

  it('refuses weights that are not positive numbers', () => {
    expect(() => weightedStrategy([a, target('zero', { weight: 0 })], context, { ...node })).toThrow('positive weights, got 0');
    expect(() => weightedStrategy([target('nan', { weight: Number.NaN })], context, { ...node })).toThrow('positive weights');
    expect(() => weightedStrategy([], context, { ...node })).toThrow('at least one target');
  });
});
