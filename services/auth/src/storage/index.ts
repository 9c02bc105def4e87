export { GovernanceStore, openGovernanceStore, type MemberFilter, type NewApiKey } from './governance-store';
export { loadGovernanceMigrations, GOVERNANCE_MIGRATIONS_TABLE } from './migrations';
