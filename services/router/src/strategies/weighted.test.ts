import { weightedStrategy } from './weighted';

interface Target {
  name: string;
  weight: number;
}

const a: Target = { name: 'a', weight: 1 };
const b: Target = { name: 'b', weight: 1 };
const c: Target = { name: 'c', weight: 1 };
const context = { random: Math.random };

/** Random numbers from a fixed list, in order. */
function sequence(...values: number[]): () => number {
  let next = 0;
  return () => {
    if (next >= values.length) throw new Error('the test ran out of random numbers');
    return values[next++];
  };
}

describe('weightedStrategy', () => {
  it('chooses in proportion to weight, by the random draw', () => {
    // Weights 1 and 3: draws below 1/4 choose `light`, the rest `heavy`.
    const light = { name: 'light', weight: 1 };
    const heavy = { name: 'heavy', weight: 3 };
    const select = weightedStrategy([light, heavy], { random: sequence(0, 0.2499, 0.25, 0.5, 0.9999999) });
    const names = Array.from({ length: 5 }, () =>
      select()
        .map((target) => target.name)
        .join(),
    );
    expect(names).toEqual(['light', 'light', 'heavy', 'heavy', 'heavy']);
  });

  it('treats equal weights as equal shares', () => {
    const select = weightedStrategy([a, b, c], { random: sequence(0.33, 0.34, 0.66, 0.67) });
    const names = Array.from({ length: 4 }, () => select()[0].name);
    expect(names).toEqual(['a', 'b', 'b', 'c']);
  });

  it('comes close to the weights over 10,000 draws of Math.random', () => {
    const targets = [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 2 },
      { name: 'c', weight: 7 },
    ];
    const select = weightedStrategy(targets, { random: Math.random });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const draws = 10_000;
    for (let draw = 0; draw < draws; draw++) counts[select()[0].name]++;
    // Five standard deviations or more for each share.
    expect(Math.abs(counts.a / draws - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(counts.b / draws - 0.2)).toBeLessThan(0.025);
    expect(Math.abs(counts.c / draws - 0.7)).toBeLessThan(0.025);
  });

  it('refuses weights that are not positive numbers', () => {
    expect(() => weightedStrategy([a, { name: 'zero', weight: 0 }], context)).toThrow('positive weights, got 0');
    expect(() => weightedStrategy([{ name: 'nan', weight: Number.NaN }], context)).toThrow('positive weights');
    expect(() => weightedStrategy([], context)).toThrow('at least one target');
  });
});
