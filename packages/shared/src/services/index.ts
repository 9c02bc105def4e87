export * from './contracts';
export * from './record-names';
export * from './trace-contracts';
export * from './alert-queries';
export * from './analytics-contracts';
