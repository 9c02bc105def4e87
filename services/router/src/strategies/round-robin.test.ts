import { roundRobinStrategy } from './round-robin';

interface Target {
  name: string;
  weight: number;
}

const a: Target = { name: 'a', weight: 1 };
const b: Target = { name: 'b', weight: 1 };
const c: Target = { name: 'c', weight: 1 };
const context = { random: Math.random };

describe('roundRobinStrategy', () => {
  it('chooses one target each time, in turn', () => {
    const select = roundRobinStrategy([a, b, c], context);
    const names = Array.from({ length: 7 }, () =>
      select()
        .map((target) => target.name)
        .join(),
    );
    expect(names).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('gives every target exactly its share over many requests', () => {
    const select = roundRobinStrategy([a, b, c], context);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let request = 0; request < 3_000; request++) counts[select()[0].name]++;
    expect(counts).toEqual({ a: 1_000, b: 1_000, c: 1_000 });
  });

  it('keeps a separate turn for each node', () => {
    const first = roundRobinStrategy([a, b], context);
    const second = roundRobinStrategy([a, b], context);
    expect(first()[0]).toBe(a);
    expect(first()[0]).toBe(b);
    expect(second()[0]).toBe(a);
  });

  it('ignores weights', () => {
    const select = roundRobinStrategy([{ name: 'heavy', weight: 9 }, b], context);
    expect([select()[0].name, select()[0].name]).toEqual(['heavy', 'b']);
  });
});
