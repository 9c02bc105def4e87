import type { PlainRouteNode } from '@switchyard/shared';
import { features, names, NO_STATISTICS, statistics, target } from './__fixtures__/strategy-targets';
import { roundRobinStrategy } from './round-robin';

const a = target('a');
const b = target('b');
const c = target('c');
const context = { random: Math.random };
const node: PlainRouteNode = { strategy: 'round-robin', targets: [] };

describe('roundRobinStrategy', () => {
  it('chooses one target each time, in turn', () => {
    const select = roundRobinStrategy([a, b, c], context, { ...node });
    const chosen = Array.from({ length: 7 }, () => names(select(features(), NO_STATISTICS)).join());
    expect(chosen).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('gives every target exactly its share over many requests', () => {
    const select = roundRobinStrategy([a, b, c], context, { ...node });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let request = 0; request < 3_000; request++) counts[select(features(), NO_STATISTICS)[0].name]++;
    expect(counts).toEqual({ a: 1_000, b: 1_000, c: 1_000 });
  });

  it('keeps a separate turn for each node', () => {
    const first = roundRobinStrategy([a, b], context, { ...node });
    const second = roundRobinStrategy([a, b], context, { ...node });
    expect(first(features(), NO_STATISTICS)[0]).toBe(a);
    expect(first(features(), NO_STATISTICS)[0]).toBe(b);
    expect(second(features(), NO_STATISTICS)[0]).toBe(a);
  });

  it('ignores weights', () => {
    const select = roundRobinStrategy([target('heavy', { weight: 9 }), b], context, { ...node });
    expect([select(features(), NO_STATISTICS)[0].name, select(features(), NO_STATISTICS)[0].name]).toEqual(['heavy', 'b']);
  });

  it('gives the turn of a target whose breaker is open to the next one', () => {
    const select = roundRobinStrategy([a, b, c], context, { ...node });
    const open = statistics({ 'provider/b': { breakerOpen: true } });
    const chosen = Array.from({ length: 6 }, () => select(features(), open)[0].name);
    expect(chosen).toEqual(['a', 'c', 'c', 'a', 'c', 'c']);
  });

  it('keeps its turn when every breaker is open, for the executor to judge', () => {
    const select = roundRobinStrategy([a, b], context, { ...node });
    const open = statistics({ 'provider/a': { breakerOpen: true }, 'provider/b': { breakerOpen: true } });
    expect([select(features(), open)[0].name, select(features(), open)[0].name]).toEqual(['a', 'b']);
  });
});
