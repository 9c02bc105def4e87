import { fallbackStrategy } from './fallback';

interface Target {
  name: string;
  weight: number;
}

const a: Target = { name: 'a', weight: 1 };
const b: Target = { name: 'b', weight: 1 };
const c: Target = { name: 'c', weight: 1 };
const context = { random: Math.random };

describe('fallbackStrategy', () => {
  it('chooses every target in order', () => {
    const select = fallbackStrategy([a, b, c], context);
    expect(select().map((target) => target.name)).toEqual(['a', 'b', 'c']);
    expect(select().map((target) => target.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses no targets', () => {
    expect(() => fallbackStrategy([], context)).toThrow('at least one target');
  });
});
