import type { PlainRouteNode } from '@switchyard/shared';
import { features, names, NO_STATISTICS, statistics, target } from './__fixtures__/strategy-targets';
import { leastBusyStrategy } from './least-busy';

const a = target('a');
const b = target('b');
const c = target('c');
const context = { random: () => 0 };
const node: PlainRouteNode = { strategy: 'least-busy', targets: [] };

describe('leastBusyStrategy', () => {
  it('ranks targets by requests in flight, fewest first', () => {
    const select = leastBusyStrategy([a, b, c], context, { ...node });
    const busy = statistics({ 'provider/a': { inFlight: 7 }, 'provider/b': { inFlight: 2 }, 'provider/c': { inFlight: 4 } });
    expect(names(select(features(), busy))).toEqual(['b', 'c', 'a']);
  });

  it('breaks ties in turn, so an idle fleet is shared evenly', () => {
    const select = leastBusyStrategy([a, b, c], context, { ...node });
    const firsts = Array.from({ length: 6 }, () => select(features(), NO_STATISTICS)[0].name);
    expect(firsts).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('counts the requests of every deployment under a nested target, and puts open breakers last', () => {
    const pool = target('pool', { deployments: ['x/1', 'x/2'] });
    const select = leastBusyStrategy([pool, a], context, { ...node });
    expect(names(select(features(), statistics({ 'x/1': { inFlight: 2 }, 'x/2': { inFlight: 2 }, 'provider/a': { inFlight: 3 } })))).toEqual([
      'a',
      'pool',
    ]);
    expect(names(select(features(), statistics({ 'provider/a': { inFlight: 0, breakerOpen: true }, 'x/1': { inFlight: 9 } })))).toEqual([
      'pool',
      'a',
    ]);
  });
});
