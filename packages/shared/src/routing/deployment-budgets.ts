import type { Deployment } from '../canonical';
import type { RequestFeatures } from './request-features';

/**
 * Whether a deployment (or the provider key behind it) has spent its
 * budget, for the `budget-aware` strategy. Governance fills it in; it is
 * asked on every request that reaches such a route, so it answers from
 * memory (no I/O).
 */
export interface DeploymentBudgets {
  isSpent(deployment: Deployment, features: RequestFeatures): boolean;
}

/** No budget is ever spent. */
export const NO_BUDGETS: DeploymentBudgets = { isSpent: () => false };
