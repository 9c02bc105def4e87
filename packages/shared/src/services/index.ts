export * from './contracts';
export * from './record-names';
export * from './alert-queries';
export * from './trace-contracts';
export * from './analytics-contracts';
