export * from './deployment-budgets';
export * from './deployment-profile';
export * from './execution';
export * from './live-statistics';
export * from './request-features';
export * from './failure-kind';
