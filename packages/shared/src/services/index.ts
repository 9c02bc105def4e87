export * from './contracts';
export * from './record-names';
export * from './analytics-contracts';
