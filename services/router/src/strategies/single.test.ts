import type { PlainRouteNode } from '@switchyard/shared';
import { features, NO_STATISTICS, target } from './__fixtures__/strategy-targets';
import { singleStrategy } from './single';

const a = target('a');
const b = target('b');
const context = { random: Math.random };
const node: PlainRouteNode = { strategy: 'single', targets: [] };

describe('singleStrategy', () => {
  it('always chooses its one target', () => {
    const select = singleStrategy([a], context, { ...node });
    expect(select(features(), NO_STATISTICS)).toEqual([a]);
    expect(select(features(), NO_STATISTICS)).toEqual([a]);
  });

  it('refuses any other number of targets', () => {
    expect(() => singleStrategy([a, b], context, { ...node })).toThrow('strategy "single" takes exactly one target, got 2');
    expect(() => singleStrategy([], context, { ...node })).toThrow('got 0');
  });
});
