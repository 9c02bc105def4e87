import type { Deployment, DeploymentBudgets, PlainRouteNode } from '@switchyard/shared';
import { features, names, NO_STATISTICS, statistics, target } from './__fixtures__/strategy-targets';
import { budgetAwareStrategy } from './budget-aware';

const node: PlainRouteNode = { strategy: 'budget-aware', targets: [] };

/** Budgets where the deployments named are spent, for every request or only for `user`'s. */
function spent(ids: string[], user?: string): DeploymentBudgets {
  return { isSpent: (deployment: Deployment, request) => ids.includes(deployment.id) && (user === undefined || request.user === user) };
}

describe('budgetAwareStrategy', () => {
  const a = target('a');
  const b = target('b');
  const c = target('c');

  it('keeps config order, leaving out the targets whose budget is spent', () => {
    const select = budgetAwareStrategy([a, b, c], { random: () => 0, budgets: spent(['provider/a', 'provider/c']) }, { ...node });
    expect(names(select(features(), NO_STATISTICS))).toEqual(['b']);
  });

  it('asks the budgets on every request, with the request', () => {
    const select = budgetAwareStrategy([a, b], { random: () => 0, budgets: spent(['provider/a'], 'alice') }, { ...node });
    expect(names(select(features({ user: 'alice' }), NO_STATISTICS))).toEqual(['b']);
    expect(names(select(features({ user: 'bob' }), NO_STATISTICS))).toEqual(['a', 'b']);
  });

  it('keeps a nested target while any deployment under it has budget left', () => {
    const pool = target('pool', { deployments: ['x/1', 'x/2'] });
    const select = budgetAwareStrategy([pool, a], { random: () => 0, budgets: spent(['x/1']) }, { ...node });
    expect(names(select(features(), NO_STATISTICS))).toEqual(['pool', 'a']);
  });

  it('chooses nothing when every budget is spent, and everything when none is configured', () => {
    expect(
      budgetAwareStrategy([a, b], { random: () => 0, budgets: spent(['provider/a', 'provider/b']) }, { ...node })(features(), NO_STATISTICS),
    ).toEqual([]);
    expect(names(budgetAwareStrategy([a, b], { random: () => 0 }, { ...node })(features(), NO_STATISTICS))).toEqual(['a', 'b']);
  });

  it('puts a target whose breaker is open last', () => {
    const select = budgetAwareStrategy([a, b], { random: () => 0 }, { ...node });
    expect(names(select(features(), statistics({ 'provider/a': { breakerOpen: true } })))).toEqual(['b', 'a']);
  });
});
