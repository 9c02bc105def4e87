import type { PlainRouteNode } from '@switchyard/shared';
import { features, names, NO_STATISTICS, target } from './__fixtures__/strategy-targets';
import { fallbackStrategy } from './fallback';

const a = target('a');
const b = target('b');
const c = target('c');
const context = { random: Math.random };
const node: PlainRouteNode = { strategy: 'fallback', targets: [] };

describe('fallbackStrategy', () => {
  it('chooses every target in order', () => {
    const select = fallbackStrategy([a, b, c], context, { ...node });
    expect(names(select(features(), NO_STATISTICS))).toEqual(['a', 'b', 'c']);
    expect(names(select(features(), NO_STATISTICS))).toEqual(['a', 'b', 'c']);
  });

  it('refuses no targets', () => {
    expect(() => fallbackStrategy([], context, { ...node })).toThrow('at least one target');
  });
});
