import { singleStrategy } from './single';

interface Target {
  name: string;
  weight: number;
}

const a: Target = { name: 'a', weight: 1 };
const b: Target = { name: 'b', weight: 1 };
const context = { random: Math.random };

describe('singleStrategy', () => {
  it('always chooses its one target', () => {
    const select = singleStrategy([a], context);
    expect(select()).toEqual([a]);
    expect(select()).toEqual([a]);
  });

  it('refuses any other number of targets', () => {
    expect(() => singleStrategy([a, b], context)).toThrow('strategy "single" takes exactly one target, got 2');
    expect(() => singleStrategy([], context)).toThrow('got 0');
  });
});
