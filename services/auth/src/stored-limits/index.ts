export { InProcessLimitChangeBus, LIMIT_CHANGES_CHANNEL, RedisLimitChangeBus, type LimitChangeBus } from './limit-change-bus';
export { budgetView, createLimitRulesRouter, rateLimitView, type LimitRulesRouterOptions } from './limit-rules-router';
export {
  CombinedBudgetPolicy,
  CombinedRateLimitPolicy,
  DEFAULT_LIMITS_RELOAD_INTERVAL_MS,
  StoredBudgetPolicy,
  StoredLimitRules,
  StoredRateLimitPolicy,
  type AttachOptions,
} from './stored-limit-rules';
export {
  STORED_LIMITS_MIGRATIONS_TABLE,
  StoredLimitStore,
  storedLimitsMigrations,
  type NewStoredBudget,
  type NewStoredRateLimit,
  type StoredBudget,
  type StoredRateLimit,
  type StoredRuleScope,
} from './stored-limit-store';
