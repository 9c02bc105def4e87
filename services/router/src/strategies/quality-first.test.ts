import type { PlainRouteNode } from '@switchyard/shared';
import { features, names, NO_STATISTICS, statistics, target } from './__fixtures__/strategy-targets';
import { qualityFirstStrategy } from './quality-first';

const context = { random: () => 0 };
const node: PlainRouteNode = { strategy: 'quality-first', targets: [] };

describe('qualityFirstStrategy', () => {
  it('ranks targets by score, highest first, equal scores in config order', () => {
    const select = qualityFirstStrategy(
      [target('ok', { score: 5 }), target('best', { score: 9 }), target('also-ok', { score: 5 }), target('poor', { score: 1 })],
      context,
      { ...node },
    );
    expect(names(select(features(), NO_STATISTICS))).toEqual(['best', 'ok', 'also-ok', 'poor']);
  });

  it('puts a target whose breaker is open last', () => {
    const select = qualityFirstStrategy([target('best', { score: 9 }), target('next', { score: 5 })], context, { ...node });
    expect(names(select(features(), statistics({ 'provider/best': { breakerOpen: true } })))).toEqual(['next', 'best']);
  });

  it('refuses a target without a score', () => {
    expect(() => qualityFirstStrategy([target('a', { score: 1 }), target('b')], context, { ...node })).toThrow('targets[1] has none');
  });
});
