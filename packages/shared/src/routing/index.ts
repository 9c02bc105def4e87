export * from './execution';
export * from './live-statistics';
export * from './request-features';
export * from './failure-kind';
