import { NO_PROFILES, type DeploymentProfile, type LowestCostRouteNode, type ModelPrice, type RequestFeatures } from '@switchyard/shared';
import { isAvailable, type RouteStrategy } from './route-strategy';

/** Output tokens a request is priced with when it sets no `max_tokens`, unless the node says otherwise. */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 500;

const PER_MILLION = 1_000_000;

/** Whether the model can take this request, as far as its profile says (what it does not say is assumed). */
export function canServe(profile: DeploymentProfile | undefined, features: RequestFeatures): boolean {
  if (profile === undefined) return true;
  if (features.hasTools && profile.tools === false) return false;
  if (features.hasImages && profile.vision === false) return false;
  if (features.hasJsonSchema && profile.jsonSchema === false) return false;
  if (profile.contextWindow !== undefined && features.estimatedInputTokens > profile.contextWindow) return false;
  if (profile.maxOutputTokens !== undefined && features.maxOutputTokens !== undefined && features.maxOutputTokens > profile.maxOutputTokens) {
    return false;
  }
  return true;
}

/** USD for `inputTokens` in and `outputTokens` out, at the long-context tier the input reaches. */
export function estimatedCost(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  let input = price.input;
  let output = price.output;
  let threshold = -1;
  for (const tier of price.tiers ?? []) {
    if (inputTokens > tier.inputTokensAbove && tier.inputTokensAbove > threshold) {
      threshold = tier.inputTokensAbove;
      input = tier.input ?? price.input;
      output = tier.output ?? price.output;
    }
  }
  return (inputTokens * input + outputTokens * output) / PER_MILLION;
}

/**
 * Every target, cheapest capable first: a target costs what its cheapest
 * capable deployment would charge for this request (estimated input tokens,
 * `max_tokens` or `expectedOutputTokens` out), from the profiles (config
 * prices, then the model catalog). Then capable targets with no known price,
 * in config order; then those whose models cannot take the request (too long,
 * tools, images, JSON schema), whose refusal then explains the failure; and
 * last those whose breakers are all open.
 */
export const lowestCostStrategy: RouteStrategy<LowestCostRouteNode> = (targets, context, node) => {
  if (targets.length === 0) throw new Error('strategy "lowest-cost" needs at least one target');
  const expectedOutputTokens = node.expectedOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
  const profiles = context.profiles ?? NO_PROFILES;
  // Looked up once: the deployments of a route do not change.
  const profiled = targets.map((target) => target.deployments.map((deployment) => profiles.profileOf(deployment)));
  const count = targets.length;
  const order = targets.map((_, index) => index);
  const UNPRICED = Number.MAX_VALUE;
  const INCAPABLE = Number.POSITIVE_INFINITY;
  return (features, statistics) => {
    const outputTokens = features.maxOutputTokens ?? expectedOutputTokens;
    const groups = new Array<number>(count);
    const costs = new Array<number>(count);
    for (let index = 0; index < count; index++) {
      let cost = INCAPABLE;
      const deployments = targets[index].deployments;
      for (let position = 0; position < deployments.length; position++) {
        const profile = profiled[index][position];
        if (!canServe(profile, features) || statistics.get(deployments[position].id)?.breakerOpen === true) continue;
        const price = profile?.price;
        const deploymentCost = price === undefined ? UNPRICED : estimatedCost(price, features.estimatedInputTokens, outputTokens);
        if (deploymentCost < cost) cost = deploymentCost;
      }
      costs[index] = cost;
      groups[index] = isAvailable(targets[index], statistics) ? 0 : 1;
    }
    const ranked = order.slice().sort((left, right) => groups[left] - groups[right] || compare(costs[left], costs[right]) || left - right);
    return ranked.map((index) => targets[index]);
  };
};

function compare(left: number, right: number): number {
  return left === right ? 0 : left < right ? -1 : 1;
}
