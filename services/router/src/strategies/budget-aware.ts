import { NO_BUDGETS } from '@switchyard/shared';
import { availableFirst, type RouteStrategy } from './route-strategy';

/**
 * Every target whose budget is not spent, in config order (a fallback chain
 * that drops what may not be spent on): a target is left out when every
 * deployment under it has spent its budget (`DeploymentBudgets`, filled in
 * by governance). When all are left out the plan is empty, and the request
 * is refused before any upstream call. Targets whose breakers are all open
 * go last.
 */
export const budgetAwareStrategy: RouteStrategy = (targets, context) => {
  if (targets.length === 0) throw new Error('strategy "budget-aware" needs at least one target');
  const budgets = context.budgets ?? NO_BUDGETS;
  return (features, statistics) => {
    let kept: (typeof targets)[number][] | undefined;
    for (let index = 0; index < targets.length; index++) {
      const target = targets[index];
      const spent = target.deployments.every((deployment) => budgets.isSpent(deployment, features));
      if (spent && kept === undefined) kept = targets.slice(0, index);
      else if (!spent) kept?.push(target);
    }
    return availableFirst(kept ?? targets, statistics);
  };
};
