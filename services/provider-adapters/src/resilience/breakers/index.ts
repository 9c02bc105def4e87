export * from './breaker-board';
export * from './breaker-metrics';
export * from './redis-breaker-share';
