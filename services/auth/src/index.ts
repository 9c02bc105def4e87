// The auth service's public surface; each area exports from its own folder.
// Rate limits and budgets (governance).
export * from './rate-limits/rate-limit-policy';
export * from './rate-limits/rate-limiter';
export * from './rate-limits/memory-rate-limiter';
export * from './rate-limits/redis-rate-limiter';
export * from './rate-limits/rate-limit-service';
export * from './rate-limits/rate-limit-headers';
export * from './budgets/budget-period';
export * from './budgets/budget-policy';
export * from './budgets/spend-store';
export * from './budgets/budget-alerts';
export * from './budgets/budget-service';
export * from './budgets/budget-spend-sink';
export * from './governance/governance-metrics';
export * from './governance/governance-gate';
export * from './governance/open-governance-gate';
// auth-core: storage, organizations, keys, RBAC, tokens, admin API.
export * from './storage';
export * from './organizations';
export * from './keys';
export * from './rbac';
export * from './tokens';
export * from './admin-api';
// Audit trail and provider secrets.
export * from './audit';
export * from './secrets';
// Rate limits and budgets set through the admin API.
export * from './stored-limits';
// A/B tests of prompt versions and models.
export * from './experiments';
